// Event Grid custom topic for alert CloudEvents. Input schema CloudEvents 1.0, local auth off
// (no access keys or SAS: publishers use Entra ID and need EventGrid Data Sender).
// Subscriptions:
//  * alert-log: every alert to a Storage queue, delivered with the topic's own system-assigned
//    identity (the storage account has shared keys off), which holds Storage Queue Data Message
//    Sender on that one queue only.
//  * alert-webhook (optional): a CloudEvents webhook, when a URL is given.

param name string
param location string
param tags object

@description('Storage account that holds the alert log queue.')
param storageAccountName string

@description('Queue that receives every alert.')
param alertLogQueueName string

@secure()
@description('Optional HTTPS endpoint that receives alerts as CloudEvents; empty for none. The endpoint must answer the CloudEvents abuse-protection handshake (HTTP OPTIONS with WebHook-Request-Origin).')
param alertWebhookUrl string = ''

@description('Event types the webhook receives (for example Pipeline.Alert.Fired); empty for all.')
param alertWebhookEventTypes array = []

@description('Subject prefix the webhook receives (for example devices/chiller-17/); empty for all.')
param alertWebhookSubjectBeginsWith string = ''

@description('Name of the Function App user-assigned identity (in this resource group).')
param appIdentityName string

@description('Principal id of the deploying user or service principal; empty for none.')
param userPrincipalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
param userPrincipalType string = 'User'

var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: appIdentityName
}

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    minimumTlsVersionAllowed: '1.2'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'

    resource alertLogQueue 'queues' existing = {
      name: alertLogQueueName
    }
  }
}

resource topicQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::queueService::alertLogQueue.id, topic.id, storageQueueDataMessageSender)
  scope: storage::queueService::alertLogQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource alertLogSubscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: 'alert-log'
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: storage.id
          queueName: alertLogQueueName
          queueMessageTimeToLiveInSeconds: -1
        }
      }
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
  dependsOn: [
    topicQueueSender
  ]
}

resource alertWebhookSubscription 'Microsoft.EventGrid/topics/eventSubscriptions@2025-02-15' = if (!empty(alertWebhookUrl)) {
  parent: topic
  name: 'alert-webhook'
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: alertWebhookUrl
        maxEventsPerBatch: 1
      }
    }
    filter: {
      includedEventTypes: empty(alertWebhookEventTypes) ? null : alertWebhookEventTypes
      subjectBeginsWith: alertWebhookSubjectBeginsWith
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appIdentity.id, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource userSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(topic.id, userPrincipalId, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: userPrincipalId
    principalType: userPrincipalType
  }
}

output name string = topic.name
output endpoint string = topic.properties.endpoint
output principalId string = topic.identity.principalId
