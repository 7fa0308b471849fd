using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pipeline.Conformance;

/// <summary>
/// A fact of a conformance suite. Suites are inherited by one class per implementation, so whether to skip is decided per
/// derived class (see <see cref="SkipWhenEnvironmentAttribute"/>), not on the shared method.
/// </summary>
[XunitTestCaseDiscoverer("Pipeline.Conformance.ConformanceFactDiscoverer", "Pipeline.Conformance")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ConformanceFactAttribute : FactAttribute;

/// <summary>Skips every conformance fact of the class it marks while an environment variable has a given value.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SkipWhenEnvironmentAttribute(string variable, string value, string reason) : Attribute
{
    public string Variable { get; } = variable;

    public string Value { get; } = value;

    public string Reason { get; } = reason;
}

/// <summary>Finds <see cref="ConformanceFactAttribute"/> tests and applies the concrete class's skip condition.</summary>
public sealed class ConformanceFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(testMethod);
        var skipReason = SkipReason(testMethod.TestClass.Class);
        if (skipReason is null)
        {
            return base.CreateTestCase(discoveryOptions, testMethod, factAttribute);
        }

        return new XunitSkippedDataRowTestCase(
            DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, skipReason);
    }

    private static string? SkipReason(ITypeInfo testClass)
    {
        foreach (var attribute in testClass.GetCustomAttributes(typeof(SkipWhenEnvironmentAttribute).AssemblyQualifiedName))
        {
            var arguments = attribute.GetConstructorArguments().Cast<string>().ToArray();
            if (Environment.GetEnvironmentVariable(arguments[0]) == arguments[1])
            {
                return arguments[2];
            }
        }

        return null;
    }
}
