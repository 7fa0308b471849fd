using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Azure;

/// <summary>
/// Silences in one blob beside the rules (default <c>rules/silences.json</c>). Writes are conditional on the ETag read
/// (or on the blob not existing yet), so concurrent writers never lose each other's silences.
/// </summary>
public sealed class BlobSilenceStore : SilenceDocumentStore
{
    private readonly BlobContainerClient _container;
    private readonly BlobClient _blob;

    public BlobSilenceStore(BlobContainerClient container, string blobName = "silences.json")
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        _container = container;
        _blob = container.GetBlobClient(blobName);
    }

    /// <summary>A store in container <c>rules</c> of the given account, where <see cref="BlobRuleStore"/> keeps the rules.</summary>
    public static BlobSilenceStore Create(BlobServiceClient service, string containerName = "rules")
    {
        ArgumentNullException.ThrowIfNull(service);
        return new BlobSilenceStore(service.GetBlobContainerClient(containerName));
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    protected override async Task<(byte[]? Document, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var download = (await _blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            return (download.Content.ToArray(), download.Details.ETag.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (null, null);
        }
    }

    protected override async Task<bool> TryWriteAsync(byte[] document, string? version, CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
            Conditions = version is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(version) },
        };
        try
        {
            await _blob.UploadAsync(BinaryData.FromBytes(document), options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // 412: someone wrote since the read; 409: someone created it first.
            return false;
        }
    }
}
