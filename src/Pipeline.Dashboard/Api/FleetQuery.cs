using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Dashboard.Api;

/// <summary>The validated query of <c>GET /api/devices</c>.</summary>
internal sealed record FleetQuery(DeviceStatus? Status, string? Site, string? DeviceType, string? Search, int Offset, int Limit)
{
    public const int MaxTextLength = 200;

    public static bool TryParse(IQueryCollection query, out FleetQuery result, out string error)
    {
        result = new FleetQuery(null, null, null, null, 0, 100);
        error = string.Empty;
        DeviceStatus? status = null;
        if (query["status"].ToString() is { Length: > 0 } statusText)
        {
            if (!Enum.TryParse<DeviceStatus>(statusText, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || char.IsDigit(statusText[0]))
            {
                error = $"status must be one of ok, silent, pending, firing; not '{statusText}'.";
                return false;
            }

            status = parsed;
        }

        if (!TryText(query, "site", out var site, ref error) || !TryText(query, "deviceType", out var deviceType, ref error)
            || !TryText(query, "q", out var search, ref error))
        {
            return false;
        }

        if (!TryInt(query, "offset", 0, 0, int.MaxValue, out var offset, ref error)
            || !TryInt(query, "limit", 100, 1, PipelineApi.MaxDevicePage, out var limit, ref error))
        {
            return false;
        }

        result = new FleetQuery(status, site, deviceType, search, offset, limit);
        return true;
    }

    private static bool TryText(IQueryCollection query, string name, out string? value, ref string error)
    {
        value = query[name].ToString();
        if (value.Length == 0)
        {
            value = null;
            return true;
        }

        if (value.Length > MaxTextLength)
        {
            error = $"{name} may be at most {MaxTextLength} characters.";
            return false;
        }

        return true;
    }

    private static bool TryInt(IQueryCollection query, string name, int fallback, int min, int max, out int value, ref string error)
    {
        value = fallback;
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            error = $"{name} must be a whole number from {min} to {max}, not '{text}'.";
            return false;
        }

        return true;
    }
}
