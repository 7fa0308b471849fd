using System.Collections.Concurrent;
using Azure.Core;

namespace Pipeline.Azure.Tests.Testing;

/// <summary>Hands out a fixed token and remembers which scopes were asked for.</summary>
public sealed class FakeTokenCredential(string token) : TokenCredential
{
    public ConcurrentQueue<string> RequestedScopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes)
        {
            RequestedScopes.Enqueue(scope);
        }

        // Far-future expiry so the client never refreshes during a test.
        return new AccessToken(token, DateTimeOffset.MaxValue);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
