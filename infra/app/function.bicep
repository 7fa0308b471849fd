// Flex Consumption plan (FC1) and the Function App. The app is an Azure Functions custom
// handler (runtime "custom"): the Functions host supplies the Event Hubs, timer and HTTP
// triggers and calls our ASP.NET Core handler over HTTP. Every connection is identity-based
// with the user-assigned identity; no app setting holds a key or a connection string with one.

param planName string
param name string
param location string
param tags object

@description('Value of the azd-service-name tag; must match the service name in azure.yaml.')
param serviceName string

@description('Name of the Function App user-assigned identity (in this resource group).')
param identityName string

param storageAccountName string
param storageBlobEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

param eventHubsFullyQualifiedNamespace string
param eventHubName string
param eventHubConsumerGroup string

param eventGridTopicEndpoint string

@description('Environment name; appears in alert CloudEvent sources (/pipeline/{environment}/rules/{ruleId}).')
param environmentName string

@description('Upper bound of instances Flex Consumption scales the app out to (40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

var identityClientId = identity.properties.clientId

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Settings the Functions host and the handler read. Double underscores are configuration
// sections: EventHubConnection__* is the `connection` of the Ingest trigger, AzureWebJobsStorage__*
// the host's storage, Pipeline__* the handler's options.
var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  EventHubConnection__fullyQualifiedNamespace: eventHubsFullyQualifiedNamespace
  EventHubConnection__credential: 'managedidentity'
  EventHubConnection__clientId: identityClientId
  EventHubName: eventHubName
  EventHubConsumerGroup: eventHubConsumerGroup
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  Pipeline__Environment: environmentName
  Pipeline__State__Kind: 'tables'
  Pipeline__State__TableServiceUri: storageTableEndpoint
  Pipeline__DeadLetters__Kind: 'tables'
  Pipeline__DeadLetters__TableServiceUri: storageTableEndpoint
  Pipeline__Alerts__Kind: 'eventgrid'
  Pipeline__Alerts__TopicEndpoint: eventGridTopicEndpoint
  Pipeline__Rules__Kind: 'blob'
  Pipeline__Rules__BlobServiceUri: storageBlobEndpoint
  // The dashboard's chart history in the table 'metrichistory' (on the state's endpoint), so every instance lists the
  // whole fleet; each instance writes it every 30 s.
  Pipeline__MetricHistory__Kind: 'tables'
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }

  // Deployments (azd deploy) authenticate with Entra ID; basic (user/password) publishing is off.
  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }

  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output planName string = plan.name
