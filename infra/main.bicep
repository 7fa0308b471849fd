// Entry point for `azd up` / `azd provision`: subscription scope, one resource group.
// Everything is identity-based: no access keys, SAS tokens or connection strings with secrets
// are created, read (no list*() calls) or output.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to name resources and tag them (azd-env-name).')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Flex Consumption must be available in it.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or service principal; it gets data roles to run the app locally against these resources and to send test telemetry. Empty for none.')
param principalId string = deployer().objectId

@description('Kind of principal principalId is.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

// Name overrides: leave empty for the generated names (abbreviation + resource token).
param resourceGroupName string = ''
param identityName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param storageAccountName string = ''
param eventHubNamespaceName string = ''
param iotHubName string = ''
param iotHubIdentityName string = ''
param eventGridTopicName string = ''
param functionPlanName string = ''
param functionAppName string = ''

@description('Name of the telemetry event hub.')
param eventHubName string = 'telemetry'

@description('Partitions of the telemetry event hub (cannot be changed later on Standard).')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 8

@description('Consumer group the deployed Function App reads with.')
param eventHubConsumerGroup string = 'pipeline'

@description('Consumer group that hybrid local runs read with.')
param eventHubLocalConsumerGroup string = 'local'

@description('Create an IoT Hub (S1) that routes device telemetry to the event hub.')
param iotHubEnabled bool = true

@secure()
@description('Optional HTTPS endpoint subscribed to alert CloudEvents; empty for none.')
param alertWebhookUrl string = ''

@description('Event types the optional webhook receives; empty for all.')
param alertWebhookEventTypes array = []

@description('Subject prefix the optional webhook receives; empty for all.')
param alertWebhookSubjectBeginsWith string = ''

@description('Upper bound of Function App instances. Flex Consumption accepts 40 to 1000 (the custom runtime\'s maximumInstanceCount range in the region\'s functionAppStacks answer; see docs/deploy.md).')
@minValue(40)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Memory of each Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'functions'

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  identity: !empty(identityName) ? identityName : '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: !empty(applicationInsightsName) ? applicationInsightsName : '${abbrs.insightsComponents}${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  eventHubNamespace: !empty(eventHubNamespaceName) ? eventHubNamespaceName : '${abbrs.eventHubNamespaces}${resourceToken}'
  iotHub: !empty(iotHubName) ? iotHubName : '${abbrs.devicesIotHubs}${resourceToken}'
  iotHubIdentity: !empty(iotHubIdentityName) ? iotHubIdentityName : '${abbrs.managedIdentityUserAssignedIdentities}${abbrs.devicesIotHubs}${resourceToken}'
  eventGridTopic: !empty(eventGridTopicName) ? eventGridTopicName : '${abbrs.eventGridDomainsTopics}${resourceToken}'
  functionPlan: !empty(functionPlanName) ? functionPlanName : '${abbrs.webServerFarms}${resourceToken}'
  functionApp: !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}${resourceToken}'
}
var alertLogQueueName = 'alert-log'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

// Modules receive names known when the deployment starts (not other modules' outputs) so that
// `azd provision --preview` (what-if) can predict every resource; dependsOn orders them.
module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

// The IoT Hub's identity is created with the app's, at the start, and its sender role as soon as
// the event hub exists: IoT Hub validates its identity-based endpoint when it is created, and the
// role needs time to propagate (the IoT Hub module runs last).
module iotHubIdentity 'app/identity.bicep' = if (iotHubEnabled) {
  name: 'iothub-identity'
  scope: rg
  params: {
    name: names.iotHubIdentity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    appIdentityName: names.identity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
  ]
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    alertLogQueueName: alertLogQueueName
    appIdentityName: names.identity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
  ]
}

module eventHubs 'app/eventhubs.bicep' = {
  name: 'eventhubs'
  scope: rg
  params: {
    namespaceName: names.eventHubNamespace
    location: location
    tags: tags
    eventHubName: eventHubName
    partitionCount: eventHubPartitionCount
    consumerGroupName: eventHubConsumerGroup
    localConsumerGroupName: eventHubLocalConsumerGroup
    appIdentityName: names.identity
    iotHubSenderEnabled: iotHubEnabled
    iotHubIdentityName: names.iotHubIdentity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
    iotHubIdentity
  ]
}

module iotHub 'app/iothub.bicep' = if (iotHubEnabled) {
  name: 'iothub'
  scope: rg
  params: {
    name: names.iotHub
    identityName: names.iotHubIdentity
    location: location
    tags: tags
    eventHubNamespaceName: names.eventHubNamespace
    eventHubName: eventHubName
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  // Last: the longer the sender role (assigned in eventHubs) has had to propagate, the more
  // likely the endpoint check at creation passes on the first provision.
  dependsOn: [
    iotHubIdentity
    eventHubs
    eventGrid
    function
  ]
}

module eventGrid 'app/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: tags
    storageAccountName: names.storage
    alertLogQueueName: alertLogQueueName
    alertWebhookUrl: alertWebhookUrl
    alertWebhookEventTypes: alertWebhookEventTypes
    alertWebhookSubjectBeginsWith: alertWebhookSubjectBeginsWith
    appIdentityName: names.identity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  dependsOn: [
    identity
    storage
  ]
}

module function 'app/function.bicep' = {
  name: 'function'
  scope: rg
  params: {
    planName: names.functionPlan
    name: names.functionApp
    location: location
    tags: tags
    serviceName: serviceName
    identityName: names.identity
    storageAccountName: names.storage
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    eventHubsFullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
    eventHubName: eventHubs.outputs.eventHubName
    eventHubConsumerGroup: eventHubs.outputs.consumerGroupName
    eventGridTopicEndpoint: eventGrid.outputs.endpoint
    environmentName: environmentName
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
  }
  dependsOn: [
    identity
  ]
}

// azd conventions.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = function.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${function.outputs.defaultHostName}'
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_EVENTHUBS_NAMESPACE string = eventHubs.outputs.namespaceName
output AZURE_EVENTGRID_TOPIC_NAME string = eventGrid.outputs.name
output AZURE_IOTHUB_NAME string = iotHubEnabled ? names.iotHub : ''
output ALERT_LOG_QUEUE_NAME string = storage.outputs.alertLogQueueName

// Named like the app settings they feed; the postprovision hook copies them into
// local.settings.json for hybrid local runs (with the developer's own Entra credential).
output AzureWebJobsStorage__accountName string = storage.outputs.name
output EventHubConnection__fullyQualifiedNamespace string = eventHubs.outputs.fullyQualifiedNamespace
output EventHubName string = eventHubs.outputs.eventHubName
output EventHubConsumerGroup string = eventHubs.outputs.consumerGroupName
output EventHubLocalConsumerGroup string = eventHubs.outputs.localConsumerGroupName
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output Pipeline__Environment string = environmentName
output Pipeline__State__Kind string = 'tables'
output Pipeline__State__TableServiceUri string = storage.outputs.tableEndpoint
output Pipeline__DeadLetters__Kind string = 'tables'
output Pipeline__DeadLetters__TableServiceUri string = storage.outputs.tableEndpoint
output Pipeline__Alerts__Kind string = 'eventgrid'
output Pipeline__Alerts__TopicEndpoint string = eventGrid.outputs.endpoint
output Pipeline__Rules__Kind string = 'blob'
output Pipeline__Rules__BlobServiceUri string = storage.outputs.blobEndpoint
