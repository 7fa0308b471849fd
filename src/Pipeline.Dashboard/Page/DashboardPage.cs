using System.Collections.Frozen;
using System.Net;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pipeline.Dashboard.Page;

/// <summary>How the page gets live updates.</summary>
public enum LiveMode
{
    /// <summary>Server-Sent Events from <c>GET /api/stream</c> (the local server).</summary>
    Stream,

    /// <summary>Polling the Api (the Function App, where a request may not stay open).</summary>
    Poll,
}

/// <summary>Where and how the dashboard page is served.</summary>
public sealed record DashboardPageOptions
{
    /// <summary>Path of the page: empty for the site root (local), <c>/api/dashboard</c> in the Function App.</summary>
    public string PathPrefix { get; init; } = string.Empty;

    public LiveMode Live { get; init; } = LiveMode.Stream;

    /// <summary>Interval between two polls in <see cref="LiveMode.Poll"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(15);

    public void Validate()
    {
        if (PathPrefix.Length > 0 && (!PathPrefix.StartsWith('/') || PathPrefix.EndsWith('/')))
        {
            throw new ArgumentException($"Dashboard PathPrefix must be empty or start with '/' and not end with one, not '{PathPrefix}'.", nameof(PathPrefix));
        }

        if (PollInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "Dashboard PollInterval must be at least 1 second.");
        }
    }
}

/// <summary>
/// Serves the page and its assets from this assembly's embedded resources, so a published single folder (the Function
/// App's custom handler) needs nothing beside the executable, and no file system path is ever built from a request.
/// </summary>
public static class DashboardPage
{
    private const string ResourcePrefix = "wwwroot/";

    private static readonly FrozenDictionary<string, string> s_types = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [""] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> s_assets = new(LoadAssets);

    /// <summary>The page's own files and the vendored chart library, by path under <c>wwwroot/</c>.</summary>
    internal static FrozenDictionary<string, byte[]> Assets => s_assets.Value;

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app, DashboardPageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        options ??= new DashboardPageOptions();
        options.Validate();
        var prefix = options.PathPrefix;
        app.MapGet(prefix.Length == 0 ? "/" : prefix, context => ServePageAsync(context, options));
        if (prefix.Length > 0)
        {
            app.MapGet(prefix + "/", context => ServePageAsync(context, options));
        }

        app.MapGet(prefix + "/assets/{**path}", ServeAssetAsync);
        return app;
    }

    private static Task ServePageAsync(HttpContext context, DashboardPageOptions options)
    {
        var template = Encoding.UTF8.GetString(Assets["index.html"]);

        // The Function App checks the key on every request, assets included: pass the page's own key on to them, and to
        // the preloaded first fleet page, which starts with the HTML instead of waiting for the script.
        var code = context.Request.Query["code"].ToString();
        var query = code.Length > 0 ? "?code=" + Uri.EscapeDataString(code) : string.Empty;
        var html = template
            .Replace("{{assets}}", WebUtility.HtmlEncode(options.PathPrefix + "/assets/"), StringComparison.Ordinal)
            .Replace("{{query}}", WebUtility.HtmlEncode(query), StringComparison.Ordinal)
            .Replace("{{apiQuery}}", WebUtility.HtmlEncode(code.Length > 0 ? "&code=" + Uri.EscapeDataString(code) : string.Empty), StringComparison.Ordinal)
            .Replace("{{live}}", options.Live == LiveMode.Stream ? "stream" : "poll", StringComparison.Ordinal)
            .Replace("{{poll}}", ((int)options.PollInterval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        SetSecurityHeaders(context.Response);
        context.Response.ContentType = s_types[".html"];
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static async Task ServeAssetAsync(HttpContext context)
    {
        var path = context.Request.RouteValues["path"] as string ?? string.Empty;
        if (path == "index.html" || !Assets.TryGetValue(path, out var bytes))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = s_types[""];
            await context.Response.WriteAsync("Not found.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        SetSecurityHeaders(context.Response);
        context.Response.ContentType = s_types.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        context.Response.Headers.CacheControl = "public, max-age=300";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static void SetSecurityHeaders(HttpResponse response)
    {
        // Scripts only from this server: even a missed escape cannot run injected markup's handlers.
        response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static FrozenDictionary<string, byte[]> LoadAssets()
    {
        var assembly = typeof(DashboardPage).Assembly;
        var assets = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name[ResourcePrefix.Length..].Replace('\\', '/')] = copy.ToArray();
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
