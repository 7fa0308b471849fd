using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Pipeline.Azure;

/// <summary>
/// How to reach the storage account: service URIs with a <see cref="TokenCredential"/> (production: managed identity,
/// shared keys are off) or a connection string (Azurite in local runs and tests only).
/// </summary>
public sealed class TableStorageOptions
{
    /// <summary>e.g. <c>https://{account}.table.core.windows.net</c>.</summary>
    public Uri? TableServiceUri { get; init; }

    /// <summary>e.g. <c>https://{account}.blob.core.windows.net</c>; needed only for the blob rule store.</summary>
    public Uri? BlobServiceUri { get; init; }

    public TokenCredential? Credential { get; init; }

    /// <summary>Azurite's development connection string; never a production secret.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>Retries after the first attempt, for 408/429/500/502/503/504 and network failures or timeouts.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>First back-off delay; later ones grow exponentially up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take before it counts as failed and is retried.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Carries the clients' requests; null: the SDK's own. Lets a host put a handler in front of the service.</summary>
    public HttpPipelineTransport? Transport { get; init; }

    /// <summary>Options for an account reached with a token credential (the production path).</summary>
    public static TableStorageOptions ForAccount(string accountName, TokenCredential credential)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentNullException.ThrowIfNull(credential);
        return new TableStorageOptions
        {
            TableServiceUri = new Uri($"https://{accountName}.table.core.windows.net"),
            BlobServiceUri = new Uri($"https://{accountName}.blob.core.windows.net"),
            Credential = credential,
        };
    }

    public TableServiceClient CreateTableServiceClient()
    {
        var options = new TableClientOptions();
        Configure(options);
        if (ConnectionString is not null)
        {
            return new TableServiceClient(ConnectionString, options);
        }

        if (TableServiceUri is null || Credential is null)
        {
            throw new InvalidOperationException("Table storage needs either TableServiceUri with Credential, or a ConnectionString (Azurite).");
        }

        return new TableServiceClient(TableServiceUri, Credential, options);
    }

    public BlobServiceClient CreateBlobServiceClient()
    {
        var options = new BlobClientOptions();
        Configure(options);
        if (ConnectionString is not null)
        {
            return new BlobServiceClient(ConnectionString, options);
        }

        if (BlobServiceUri is null || Credential is null)
        {
            throw new InvalidOperationException("Blob storage needs either BlobServiceUri with Credential, or a ConnectionString (Azurite).");
        }

        return new BlobServiceClient(BlobServiceUri, Credential, options);
    }

    private void Configure(ClientOptions options)
    {
        if (Transport is not null)
        {
            options.Transport = Transport;
        }

        var retry = options.Retry;
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = MaxRetries;
        retry.Delay = RetryDelay;
        retry.MaxDelay = MaxRetryDelay;
        retry.NetworkTimeout = NetworkTimeout;
    }
}
