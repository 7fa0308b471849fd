namespace Pipeline.Infra.Tests.Support;

/// <summary>Built-in Azure role definition ids (docs/deploy.md, "What gets created").</summary>
internal static class Roles
{
    public const string EventHubsDataReceiver = "a638d3c7-ab3a-418d-83e6-5f17a39d4fde";
    public const string EventHubsDataSender = "2b629674-e913-4c01-ae53-ef4638d8f975";
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string EventGridDataSender = "d5a91429-5739-47e2-a06b-3470a27159e7";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    public const string StorageQueueDataMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    public const string IotHubDataContributor = "4fc6c259-987e-4a07-842e-c321cc9d413f";
}
