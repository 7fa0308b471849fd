namespace Pipeline.Functions.Contract;

/// <summary>An invocation body that does not have the shape the Functions host sends (docs/function-app.md).</summary>
public sealed class InvocationFormatException : Exception
{
    public InvocationFormatException()
    {
    }

    public InvocationFormatException(string message)
        : base(message)
    {
    }

    public InvocationFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
