using Azure.Core;
using Azure.Identity;

namespace Pipeline.Azure;

/// <summary>The one place credentials are built, so every client authenticates the same way.</summary>
public static class AzureCredentials
{
    /// <summary>
    /// DefaultAzureCredential; with <paramref name="managedIdentityClientId"/> (the user-assigned identity's client id,
    /// e.g. from <c>AZURE_CLIENT_ID</c>) it selects that identity instead of a system-assigned one.
    /// </summary>
    public static TokenCredential Create(string? managedIdentityClientId)
    {
        var options = new DefaultAzureCredentialOptions();
        if (!string.IsNullOrWhiteSpace(managedIdentityClientId))
        {
            options.ManagedIdentityClientId = managedIdentityClientId;
        }

        return new DefaultAzureCredential(options);
    }
}
