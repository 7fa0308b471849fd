using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Pipeline.Azurite;

namespace Pipeline.Azure.Tests.Testing;

/// <summary>
/// One Azurite process (<see cref="AzuriteProcess"/>) shared by the Azurite collection. If it cannot start,
/// initialization throws and every test of the collection fails with the reason; only <c>PIPELINE_SKIP_AZURITE=1</c>
/// skips them.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string SkipVariable = "PIPELINE_SKIP_AZURITE";

    private AzuriteProcess? _azurite;

    public static bool Skipped => Environment.GetEnvironmentVariable(SkipVariable) == "1";

    public string ConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Azurite is not running.");

    /// <summary>Options for the stores under test: few, quick retries so a broken emulator fails fast.</summary>
    public TableStorageOptions StorageOptions => new()
    {
        ConnectionString = ConnectionString,
        MaxRetries = 2,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        NetworkTimeout = TimeSpan.FromSeconds(20),
    };

    public TableServiceClient CreateTableServiceClient() => StorageOptions.CreateTableServiceClient();

    public BlobServiceClient CreateBlobServiceClient() => StorageOptions.CreateBlobServiceClient();

    /// <summary>A client of a queue of the emulator's queue service (messages as sent: no encoding added).</summary>
    public QueueClient CreateQueueClient(string queueName) => new(ConnectionString, queueName);

    public async Task InitializeAsync()
    {
        if (!Skipped)
        {
            _azurite = await AzuriteProcess.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_azurite is { } azurite)
        {
            _azurite = null;
            await azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteTests : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>A fact that needs Azurite: skipped only when <c>PIPELINE_SKIP_AZURITE=1</c>.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (AzuriteFixture.Skipped)
        {
            Skip = $"{AzuriteFixture.SkipVariable}=1";
        }
    }
}
