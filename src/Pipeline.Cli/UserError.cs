namespace Pipeline.Cli;

/// <summary>A mistake the user can fix (a missing file, bad rules, a wrong option): one line on stderr, exit code 2, no stack trace.</summary>
public sealed class UserErrorException : Exception
{
    public UserErrorException()
    {
    }

    public UserErrorException(string message)
        : base(message)
    {
    }

    public UserErrorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
