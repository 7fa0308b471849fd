// The Function App's user-assigned managed identity: every data-plane call the app and the
// Functions host make (Event Hubs, Storage, Event Grid, Application Insights) uses it.

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
