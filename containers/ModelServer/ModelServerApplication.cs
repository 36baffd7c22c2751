using Amazon.S3;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Builds the server: Program.cs runs it, tests start it on a free port.</summary>
public static class ModelServerApplication
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);

        // A key in these sections that no option has (Model__ExecutionProvidr=cuda) stops the start naming it, instead of
        // leaving the option at its default without a word.
        builder.Services.AddOptions<ModelServerOptions>().BindConfiguration(ModelServerOptions.Section, RefuseUnknownKeys).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelServerOptions>, ModelServerOptionsValidator>();
        builder.Services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.Section, RefuseUnknownKeys).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        // Tests put their own client (pointed at a local endpoint) in first; otherwise it is built on first use.
        builder.Services.TryAddSingleton<IAmazonS3>(services => new AmazonS3Client(S3ClientSettings.CreateConfig(services.GetRequiredService<IConfiguration>())));
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<ModelServerOptions>>(
            (kestrel, server) => kestrel.Limits.MaxRequestBodySize = server.Value.MaxRequestBodyBytes);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // OpenAI's wire names are snake_case; the source-generated contracts take the naming from these options.
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ModelServerJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, Embeddings.Api.EmbeddingsApiJsonContext.Default);
        });

        builder.Services.AddSingleton<EmbeddingModelHost>().AddHostedService(services => services.GetRequiredService<EmbeddingModelHost>());
        builder.Services.AddSingleton<EmbeddingBatcher>().AddHostedService(services => services.GetRequiredService<EmbeddingBatcher>());
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddProblemResponses();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ServerMetrics.MeterName)
            // The runtime's own meter (.NET 9 and later): GC, thread pool, JIT. dotnet_jit_compiled_methods_total shows
            // when a fresh task has finished compiling its hot paths: on one vCPU under load that takes tens of seconds.
            .AddMeter("System.Runtime")
            .AddView("modelserver.batch.size", new ExplicitBucketHistogramConfiguration { Boundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] })
            .AddView("modelserver.request.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] })
            .AddView("modelserver.inference.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] })
            .AddPrometheusExporter());

        var app = builder.Build();
        // Metrics are created eagerly so that /metrics shows the queue gauge before the first request.
        app.Services.GetRequiredService<ServerMetrics>();

        app.UseProblemResponses();
        app.MapHealthApi();
        app.MapEmbeddingsApi();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static void RefuseUnknownKeys(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;
}
