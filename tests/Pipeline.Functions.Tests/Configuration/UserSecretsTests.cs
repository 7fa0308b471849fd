using Pipeline.Functions.Contract;

namespace Pipeline.Functions.Tests.Configuration;

/// <summary>
/// azd deploy copies every provision output into the project's user secrets (docs/deploy.md, "Local files azd
/// touches"). The handler must not read them: the project sets GenerateUserSecretsAttribute to false, so the host
/// builder, which adds user secrets in Development only for an assembly with this attribute, never does.
/// </summary>
public sealed class UserSecretsTests
{
    [Fact]
    public void The_handler_assembly_has_no_user_secrets_id()
    {
        var attributes = typeof(InvocationParser).Assembly.GetCustomAttributesData().Select(a => a.AttributeType.FullName);

        Assert.DoesNotContain("Microsoft.Extensions.Configuration.UserSecrets.UserSecretsIdAttribute", attributes);
    }
}
