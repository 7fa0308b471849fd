using Pipeline.Azure.EventHubs;

namespace Pipeline.Azure.Tests.EventHubs;

public sealed class HubConnectionTests
{
    [Theory]
    [InlineData("myhub", "myhub.servicebus.windows.net")]
    [InlineData("myhub.servicebus.windows.net", "myhub.servicebus.windows.net")]
    [InlineData("sb://myhub.servicebus.windows.net/", "myhub.servicebus.windows.net")]
    public void A_namespace_is_a_host_name(string given, string host) =>
        Assert.Equal(host, HubConnection.NormalizeNamespace(given));

    [Theory]
    [InlineData("earliest", true)]
    [InlineData("latest", true)]
    [InlineData("2026-01-01T00:00:00Z", true)]
    [InlineData("yesterday", false)]
    public void A_first_start_is_earliest_latest_or_a_time(string from, bool known) =>
        Assert.Equal(known, HubFeed.ParseFirstStart(from) is not null);
}
