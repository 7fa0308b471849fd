// Event Hubs namespace (Standard, local auth off: no SAS keys) with the telemetry hub and the
// consumer groups the Function App reads with. The partition key of every event is the device
// id, so the partition count bounds the parallelism of the Ingest function.

param namespaceName string
param location string
param tags object

@description('Name of the event hub devices and producers write telemetry to.')
param eventHubName string = 'telemetry'

@description('Partitions of the telemetry hub (fixed for the life of a Standard hub).')
@minValue(1)
@maxValue(32)
param partitionCount int = 8

@description('Days events are kept in the hub (Standard: 1 to 7).')
@minValue(1)
@maxValue(7)
param messageRetentionInDays int = 1

@description('Consumer group of the Function App in Azure.')
param consumerGroupName string = 'pipeline'

@description('Consumer group for hybrid local runs (func start against the cloud hub), so a local run never takes partitions from the deployed app.')
param localConsumerGroupName string = 'local'

@description('Name of the Function App user-assigned identity (in this resource group).')
param appIdentityName string

@description('Give the IoT Hub routing identity Azure Event Hubs Data Sender on the hub.')
param iotHubSenderEnabled bool = false

@description('Name of the IoT Hub routing identity (in this resource group). Its role is assigned here, as soon as the hub exists, because IoT Hub validates its identity-based endpoint when it is created.')
param iotHubIdentityName string = ''

@description('Principal id of the deploying user or service principal; empty for none.')
param userPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var eventHubsDataReceiver = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
var eventHubsDataSender = '2b629674-e913-4c01-ae53-ef4638d8f975'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource iotHubIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: iotHubIdentityName
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: 1
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: false
  }

  resource hub 'eventhubs' = {
    name: eventHubName
    properties: {
      partitionCount: partitionCount
      messageRetentionInDays: messageRetentionInDays
    }

    resource consumerGroup 'consumergroups' = {
      name: consumerGroupName
    }

    resource localConsumerGroup 'consumergroups' = {
      name: localConsumerGroupName
    }
  }
}

resource appReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::hub.id, appIdentity.id, eventHubsDataReceiver)
  scope: namespace::hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiver)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource userReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(namespace::hub.id, userPrincipalId, eventHubsDataReceiver)
  scope: namespace::hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiver)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

resource userSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(namespace::hub.id, userPrincipalId, eventHubsDataSender)
  scope: namespace::hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSender)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

// The IoT Hub routes device telemetry here with its own identity (see app/iothub.bicep). The id is
// the one app/iothub.bicep used before this role moved here, so existing deployments keep it.
resource iotHubSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (iotHubSenderEnabled) {
  name: guid(namespace::hub.id, iotHubIdentity.id, eventHubsDataSender)
  scope: namespace::hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSender)
    principalId: iotHubIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// "https://<ns>.servicebus.windows.net:443/" in public Azure; derived, not hard-coded, so the
// template works in every cloud.
var fullyQualifiedNamespace = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

output namespaceName string = namespace.name
output fullyQualifiedNamespace string = fullyQualifiedNamespace
output eventHubName string = namespace::hub.name
output consumerGroupName string = namespace::hub::consumerGroup.name
output localConsumerGroupName string = namespace::hub::localConsumerGroup.name
