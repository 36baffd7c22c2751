using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using ReferenceArchitectures.Testing.StackTemplates;
//#if (FargateModel)
using ReferenceArchitectures.Cdk.FargateModel;
//#endif
//#if (GpuInference)
using ReferenceArchitectures.Cdk.GpuInference;
using ReferenceArchitectures.Embeddings;
//#endif

namespace ReferenceArchitectures.ModelServer.Tests;

/// <summary>
/// Patterns 2 and 3 run the model server as their synthesized templates configure it: the container's environment
/// (as ASP.NET Core reads it) and command from the task definition, the port from its port mapping, and the load
/// balancer's health check from the target group. Each broken copy of a template changes one side only, as a
/// one-sided rename in the stack would, and fails.
/// Pattern 3's task asks for CUDA, which this machine has neither the build nor the GPU for: its server is started
/// once with the template's environment exactly, to show the value is one the server accepts (it stops on the
/// missing provider, not on the setting), and then with only <c>Model:ExecutionProvider</c> set to <c>cpu</c> on top.
/// Slow: each pattern's server loads the model.
/// </summary>
[Trait("Category", "Slow")]
public sealed class TemplateBindingTests(TemplateBindingTests.Servers servers) : IClassFixture<TemplateBindingTests.Servers>
{
    //#if (FargateModel)
    private static readonly Lazy<StackTemplate> FargateTemplate = new(
        () => new StackTemplate(StackSynthesis.Template(app => new FargateModelStack(app, FargateModelStack.ConstructId))));

    [Fact]
    public async Task Pattern_2s_server_starts_from_its_task_definition_and_its_target_group_finds_it_healthy()
    {
        var task = ModelServerTask.From(FargateTemplate.Value);

        var server = await servers.StartAsync(task);

        Assert.Empty(VariablesTheServerIgnores(task));
        Assert.Empty(await BindingProblemsAsync(task, server));
    }

    [Fact]
    public async Task A_port_changed_in_pattern_2s_port_mapping_and_target_alone_is_not_where_the_server_listens()
    {
        var task = ModelServerTask.From(FargateTemplate.Value.With(template =>
        {
            var resources = template["Resources"]!.AsObject();
            Single(resources, "AWS::ECS::TaskDefinition")["ContainerDefinitions"]![0]!["PortMappings"]![0]!["ContainerPort"] = 8081;
            Single(resources, "AWS::ECS::Service")["LoadBalancers"]![0]!["ContainerPort"] = 8081;
        }));

        var server = await servers.StartAsync(task);

        Assert.Contains(await BindingProblemsAsync(task, server), problem => problem.Contains("listens on port 8080, not on the mapped container port 8081", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_health_check_path_changed_in_pattern_2s_target_group_alone_is_not_answered_healthy()
    {
        var task = ModelServerTask.From(FargateTemplate.Value.With(template =>
            Single(template["Resources"]!.AsObject(), "AWS::ElasticLoadBalancingV2::TargetGroup")["HealthCheckPath"] = "/healthz"));

        var server = await servers.StartAsync(task);

        Assert.Contains(await BindingProblemsAsync(task, server), problem => problem.Contains("/healthz answered 404", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("AWS::ECS::Service", "registers port 8081 in the target group")]
    [InlineData("AWS::ElasticLoadBalancingV2::TargetGroup", "checks HTTP on port 8081")]
    public async Task A_target_port_that_is_not_the_container_port_is_not_where_the_load_balancer_reaches_the_server(string changed, string problem)
    {
        var task = ModelServerTask.From(FargateTemplate.Value.With(template =>
        {
            var properties = Single(template["Resources"]!.AsObject(), changed);
            if (changed == "AWS::ECS::Service")
            {
                properties["LoadBalancers"]![0]!["ContainerPort"] = 8081;
            }
            else
            {
                properties["HealthCheckPort"] = "8081";
            }
        }));

        var server = await servers.StartAsync(task);

        Assert.Contains(await BindingProblemsAsync(task, server), p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_port_variable_renamed_in_pattern_2s_task_definition_alone_leaves_the_server_without_the_port()
    {
        var task = ModelServerTask.From(FargateTemplate.Value.With(template =>
            Rename(Single(template["Resources"]!.AsObject(), "AWS::ECS::TaskDefinition")["ContainerDefinitions"]![0]!["Environment"]!.AsArray(),
                "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTP_PORT")));

        var server = await servers.StartAsync(task);

        Assert.Contains(await BindingProblemsAsync(task, server), problem => problem.Contains("configures no address", StringComparison.Ordinal));
    }
    //#endif

    //#if (GpuInference)
    private static readonly Lazy<StackTemplate> GpuTemplate = new(
        () => new StackTemplate(StackSynthesis.Template(app => new GpuInferenceStack(app, GpuInferenceStack.ConstructId))));

    // Only what this machine cannot run changes: no CUDA build of ONNX Runtime, no GPU.
    private static readonly Dictionary<string, string?> OnTheCpu = new() { ["Model:ExecutionProvider"] = "cpu" };

    [Fact]
    public async Task Pattern_3s_cuda_setting_is_one_the_server_accepts_and_it_stops_here_only_for_want_of_cuda()
    {
        var task = ModelServerTask.From(GpuTemplate.Value);

        await using var server = await RunningServer.StartAsContainerAsync(task.Environment, task.Command, waitUntilReady: false);

        Assert.Equal("cuda", task.Environment[GpuInferenceStack.ExecutionProviderVariable]);
        var error = await Assert.ThrowsAsync<ExecutionProviderUnavailableException>(server.WhenModelReadyAsync);
        Assert.Contains("no CUDA execution provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pattern_3s_server_starts_from_its_task_definition_on_the_cpu_and_its_target_group_finds_it_healthy()
    {
        var task = ModelServerTask.From(GpuTemplate.Value);

        var server = await servers.StartAsync(task, OnTheCpu);

        Assert.Empty(VariablesTheServerIgnores(task));
        Assert.Empty(await BindingProblemsAsync(task, server));
    }

    [Fact]
    public async Task A_model_setting_renamed_in_pattern_3s_task_definition_alone_stops_the_server_naming_it()
    {
        var task = ModelServerTask.From(GpuTemplate.Value.With(template =>
            Rename(Single(template["Resources"]!.AsObject(), "AWS::ECS::TaskDefinition")["ContainerDefinitions"]![0]!["Environment"]!.AsArray(),
                GpuInferenceStack.AllowCpuFallbackVariable, "Model__AllowFallback")));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunningServer.StartAsContainerAsync(task.Environment, task.Command, OnTheCpu, waitUntilReady: false));

        Assert.Contains("AllowFallback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_renamed_in_pattern_3s_task_definition_alone_is_one_the_server_never_reads()
    {
        var task = ModelServerTask.From(GpuTemplate.Value.With(template =>
            Rename(Single(template["Resources"]!.AsObject(), "AWS::ECS::TaskDefinition")["ContainerDefinitions"]![0]!["Environment"]!.AsArray(),
                GpuInferenceStack.ModelSourceVariable, "Models__Source")));

        Assert.Equal(["Models__Source"], VariablesTheServerIgnores(task));
    }
    //#endif

    /// <summary>
    /// The variables of the task's environment that nothing in the container reads: a key under a section the server
    /// binds is checked by the server itself (an unknown key stops it), <c>ASPNETCORE_</c> and <c>DOTNET_</c> name
    /// host and runtime settings (the port's effect is checked by <see cref="BindingProblemsAsync"/>), <c>AWS_</c>
    /// the AWS SDK's.
    /// </summary>
    private static List<string> VariablesTheServerIgnores(ModelServerTask task) =>
    [
        .. task.Environment.Keys.Where(name =>
            !name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) && !name.StartsWith("DOTNET_", StringComparison.Ordinal)
            && !name.StartsWith("AWS_", StringComparison.Ordinal)
            && name.Split("__")[0] is not (ModelServerOptions.Section or ModelOptions.Section)),
    ];

    /// <summary>
    /// What stops the load balancer from reaching the server as the template wires them: the server must listen, on
    /// every interface of the task, on the container port the task maps; ECS registers that port in the target group
    /// (the service's load-balancer entry); and the target group's health check must get a healthy code from the
    /// server once its model is ready.
    /// </summary>
    private static async Task<List<string>> BindingProblemsAsync(ModelServerTask task, RunningServer server)
    {
        var problems = new List<string>();
        if (server.ConfiguredAddresses.Count == 0)
        {
            problems.Add($"The container's environment configures no address, so Kestrel listens on http://localhost:5000, not on port {task.ContainerPort}.");
        }

        foreach (var address in server.ConfiguredAddresses.Select(BindingAddress.Parse))
        {
            if (address.Port != task.ContainerPort)
            {
                problems.Add($"The server listens on port {address.Port}, not on the mapped container port {task.ContainerPort}.");
            }

            if (address.Host is not ("*" or "+" or "0.0.0.0" or "[::]"))
            {
                problems.Add($"The server listens on {address.Host} only; the load balancer reaches the task at its own address.");
            }
        }

        if (task.TargetPort != task.ContainerPort)
        {
            problems.Add($"The service registers port {task.TargetPort} in the target group; the container maps {task.ContainerPort}.");
        }

        if (task.HealthCheck.Port != task.ContainerPort || task.HealthCheck.Protocol != "HTTP")
        {
            problems.Add($"The target group checks {task.HealthCheck.Protocol} on port {task.HealthCheck.Port}; the server speaks HTTP on {task.ContainerPort}.");
        }

        await server.WhenModelReadyAsync();
        using var answer = await server.Client.GetAsync(new Uri(task.HealthCheck.Path, UriKind.Relative));
        if (!task.HealthCheck.HealthyCodes.Contains((int)answer.StatusCode))
        {
            problems.Add($"The health check's {task.HealthCheck.Path} answered {(int)answer.StatusCode} once the model was ready; the target group wants {string.Join(", ", task.HealthCheck.HealthyCodes)}.");
        }

        return problems;
    }

    private static JsonObject Single(JsonObject resources, string type) =>
        resources.Select(r => r.Value!.AsObject()).Single(r => (string?)r["Type"] == type)["Properties"]!.AsObject();

    private static void Rename(JsonArray environment, string from, string to) =>
        environment.Single(variable => (string?)variable!["Name"] == from)!["Name"] = to;

    /// <summary>
    /// The servers the tests start, one per distinct environment and command: a broken copy of a template that leaves
    /// the container as it was reuses the server its template started instead of loading the model again.
    /// </summary>
    public sealed class Servers : IAsyncLifetime
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<RunningServer>>> _started = new(StringComparer.Ordinal);

        public Task<RunningServer> StartAsync(ModelServerTask task, IDictionary<string, string?>? overrides = null)
        {
            ArgumentNullException.ThrowIfNull(task);
            var key = string.Join('\n', task.Environment.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}")
                .Concat(task.Command).Concat((overrides ?? new Dictionary<string, string?>()).Select(o => $"{o.Key}:={o.Value}")));
            return _started.GetOrAdd(key, _ => new Lazy<Task<RunningServer>>(
                () => RunningServer.StartAsContainerAsync(task.Environment, task.Command, overrides, waitUntilReady: false))).Value;
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            foreach (var server in _started.Values.Where(s => s.IsValueCreated))
            {
                await (await server.Value).DisposeAsync();
            }
        }
    }
}
