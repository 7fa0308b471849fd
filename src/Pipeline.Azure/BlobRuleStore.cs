using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Pipeline.Core.Rules;

namespace Pipeline.Azure;

/// <summary>
/// <see cref="IRuleStore"/> on Blob storage: the active rules are one blob (default <c>rules/active</c>) whose content is
/// the rule text (UTF-8) and whose metadata carries format, version and update time. An upload replaces the blob
/// atomically, so readers see the old rules or the new ones, never a mix.
/// </summary>
public sealed class BlobRuleStore : IRuleStore
{
    private const string FormatKey = "format";
    private const string VersionKey = "version";
    private const string UpdatedAtKey = "updatedat";

    private readonly BlobContainerClient _container;
    private readonly BlobClient _blob;

    public BlobRuleStore(BlobContainerClient container, string blobName = "active")
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        _container = container;
        _blob = container.GetBlobClient(blobName);
    }

    /// <summary>A store in container <c>rules</c> of the given account.</summary>
    public static BlobRuleStore Create(BlobServiceClient service, string containerName = "rules")
    {
        ArgumentNullException.ThrowIfNull(service);
        return new BlobRuleStore(service.GetBlobContainerClient(containerName));
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<StoredRuleText?> GetActiveAsync(CancellationToken cancellationToken = default)
    {
        BlobDownloadResult download;
        try
        {
            download = (await _blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }

        var metadata = download.Details.Metadata;
        string Required(string name) => metadata.TryGetValue(name, out var value)
            ? Uri.UnescapeDataString(value)
            : throw new InvalidDataException($"Rules blob '{_blob.Name}' has no '{name}' metadata.");

        return new StoredRuleText(
            download.Content.ToString(),
            Required(FormatKey),
            Required(VersionKey),
            DateTimeOffset.ParseExact(Required(UpdatedAtKey), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    public async Task SetActiveAsync(StoredRuleText rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        StoredRuleText.ValidateFormat(rules.Format);
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders
            {
                ContentType = rules.Format == StoredRuleText.Json ? "application/json; charset=utf-8" : "application/yaml; charset=utf-8",
            },

            // Metadata travels as HTTP headers: escaped so any version text stays ASCII.
            Metadata = new Dictionary<string, string>
            {
                [FormatKey] = rules.Format,
                [VersionKey] = Uri.EscapeDataString(rules.Version),
                [UpdatedAtKey] = rules.UpdatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            },
        };
        await _blob.UploadAsync(BinaryData.FromString(rules.Text), options, cancellationToken).ConfigureAwait(false);
    }
}
