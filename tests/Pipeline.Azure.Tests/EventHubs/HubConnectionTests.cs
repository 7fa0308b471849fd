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

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static Func<string, string?> Environment(string value) =>
        name => name == HubConnection.NamespaceVariable ? value : null;

    [Fact]
    public void A_namespace_given_wins_over_the_environment_and_a_bare_name_is_completed()
    {
        var (given, _) = HubConnection.Choose("given", "telemetry", null, "client", Environment("fromenv.servicebus.windows.net"));
        var (fromEnvironment, _) = HubConnection.Choose(null, "telemetry", null, null, Environment("fromenv"));

        Assert.Equal(new HubConnection("given.servicebus.windows.net", "telemetry", null, "client"), given);
        Assert.Equal(new HubConnection("fromenv.servicebus.windows.net", "telemetry", null, null), fromEnvironment);
    }

    [Fact]
    public void The_emulators_connection_string_is_used_as_given_with_no_namespace()
    {
        const string Emulator = "Endpoint=sb://localhost;UseDevelopmentEmulator=true;";

        var (hub, problem) = HubConnection.Choose(null, "telemetry", Emulator, null, Environment("fromenv"));

        Assert.Equal((new HubConnection(null, "telemetry", Emulator, null), HubChoiceProblem.None), (hub, problem));
    }

    [Theory]
    [InlineData("ns", "Endpoint=sb://localhost;UseDevelopmentEmulator=true", HubChoiceProblem.NamespaceAndEmulator)]
    [InlineData(null, "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abc", HubChoiceProblem.NotTheEmulator)]
    [InlineData(null, null, HubChoiceProblem.NoNamespace)]
    [InlineData(" ", null, HubChoiceProblem.NoNamespace)]
    public void No_hub_is_chosen_with_the_reason_when_the_parts_do_not_name_one(string? ns, string? emulator, HubChoiceProblem reason)
    {
        var (hub, problem) = HubConnection.Choose(ns, "telemetry", emulator, null, NoEnvironment);

        Assert.Null(hub);
        Assert.Equal(reason, problem);
    }
}
