using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pipeline.Hosting;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PipelineOptions"/> read from the <c>Pipeline</c> section (checked when the host starts, with
    /// errors naming the setting), the clock, and the factory of the ports the options describe.
    /// </summary>
    public static IServiceCollection AddPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PipelineOptions>().Configure(o => PipelineConfiguration.Bind(configuration, o)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineComponentsFactory>();
        return services;
    }
}
