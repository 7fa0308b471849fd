// IoT Hub (S1) that routes device telemetry to the telemetry event hub. The route's endpoint
// authenticates with the hub's own user-assigned identity. IoT Hub validates an identity-based
// endpoint when the hub is created, so that identity and its Azure Event Hubs Data Sender role
// are created early by main.bicep (module iothub-identity, role in app/eventhubs.bicep) and this
// module runs last, giving the role time to propagate. If the first provision still fails on the
// endpoint, running `azd provision` again succeeds: every name and role assignment id here is
// deterministic, so the rerun updates in place (docs/deploy.md, first deployment checklist).
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

var iotHubDataContributor = '4fc6c259-987e-4a07-842e-c321cc9d413f'
var endpointName = 'telemetry-eventhub'

// IoT Hub accepts minTlsVersion '1.2' at creation only in these regions; elsewhere the hub is not
// created. Source: "TLS 1.2 enforcement available in select regions" in
// https://learn.microsoft.com/azure/iot-hub/iot-hub-tls-support (US Gov Virginia even requires it).
// Everywhere else the hub keeps the service default, and clients should still use TLS 1.2.
var tls12EnforcementRegions = [
  'eastus'
  'southcentralus'
  'westus2'
  'usgovarizona'
  'usgovvirginia'
]
var enforceTls12 = contains(tls12EnforcementRegions, toLower(replace(location, ' ', '')))

// Created by main.bicep's iothub-identity module, which holds its sender role already.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' existing = {
  name: eventHubNamespaceName

  resource hub 'eventhubs' existing = {
    name: eventHubName
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
    minTlsVersion: enforceTls12 ? '1.2' : null
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
