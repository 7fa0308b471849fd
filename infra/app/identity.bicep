// A user-assigned managed identity. main.bicep creates two, first of all: the Function App's
// (every data-plane call the app and the Functions host make: Event Hubs, Storage, Event Grid,
// Application Insights) and the IoT Hub's (its route to the event hub), so that their role
// assignments are made early and have propagated before the resources that use them start.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
