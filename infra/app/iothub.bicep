// IoT Hub (S1) that routes device telemetry to the telemetry event hub. The route's endpoint
// authenticates with the hub's own user-assigned identity, which holds Azure Event Hubs Data
// Sender on the event hub before the IoT Hub is created (IoT Hub checks the endpoint then).
// Local (SAS) auth is off for service APIs; devices still authenticate with their own
// per-device keys or X.509 certificates, which this template never creates or reads.

param name string
param identityName string
param location string
param tags object

@allowed([
  'F1'
  'B1'
  'S1'
  'S2'
  'S3'
])
param skuName string = 'S1'

@minValue(1)
param skuCapacity int = 1

@description('Event Hubs namespace that holds the telemetry hub.')
param eventHubNamespaceName string

@description('Name of the telemetry event hub.')
param eventHubName string

@description('Principal id of the deploying user or service principal; empty for none. Gets IoT Hub Data Contributor to register devices.')
param userPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var eventHubsDataSender = '2b629674-e913-4c01-ae53-ef4638d8f975'
var iotHubDataContributor = '4fc6c259-987e-4a07-842e-c321cc9d413f'
var endpointName = 'telemetry-eventhub'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: identityName
  location: location
  tags: tags
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName

  resource hub 'eventhubs' existing = {
    name: eventHubName
  }
}

resource iotHubSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::hub.id, identity.id, eventHubsDataSender)
  scope: namespace::hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSender)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource iotHub 'Microsoft.Devices/IotHubs@2023-06-30' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: skuCapacity
  }
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    disableLocalAuth: true
    minTlsVersion: '1.2'
    routing: {
      endpoints: {
        eventHubs: [
          {
            name: endpointName
            authenticationType: 'identityBased'
            identity: {
              userAssignedIdentity: identity.id
            }
            endpointUri: replace(replace(namespace.properties.serviceBusEndpoint, 'https://', 'sb://'), ':443/', '')
            entityPath: namespace::hub.name
            subscriptionId: subscription().subscriptionId
            resourceGroup: resourceGroup().name
          }
        ]
      }
      routes: [
        {
          name: 'device-telemetry'
          source: 'DeviceMessages'
          condition: 'true'
          endpointNames: [
            endpointName
          ]
          isEnabled: true
        }
      ]
    }
  }
  dependsOn: [
    iotHubSender
  ]
}

resource userDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(iotHub.id, userPrincipalId, iotHubDataContributor)
  scope: iotHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', iotHubDataContributor)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output name string = iotHub.name
output hostName string = iotHub.properties.hostName
output identityPrincipalId string = identity.properties.principalId
