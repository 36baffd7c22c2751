using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReferenceArchitectures.Tools.Advisor.Pricing;

namespace ReferenceArchitectures.Tools.Advisor.Estimation;

/// <summary>
/// Reads what one of our synthesized templates deploys (memory, CPU, architecture, task and instance counts) so
/// that the estimate prices what <c>cdk deploy</c> would create. Which pattern a template is comes from its resources.
/// </summary>
public static class TemplateShapeReader
{
    private static EndpointShape Endpoint(JsonObject resources) =>
        new(SignedApi: OfType(resources, "AWS::ApiGatewayV2::Api").Any(), WebAcl: OfType(resources, "AWS::WAFv2::WebACL").Any());

    public static (DeploymentShapes Shapes, IReadOnlyList<string> Notes) Apply(DeploymentShapes shapes, string templatePath)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var resources = ReadResources(templatePath);
        var name = Path.GetFileName(templatePath);
        var notes = new List<string>();
        if (OfType(resources, "AWS::StepFunctions::StateMachine").Any())
        {
            var functions = Functions(resources);
            var task = FargateTask(resources);
            var shape = shapes.HybridPipeline with
            {
                StepMemoryMb = functions.Count > 0 ? functions.Min(f => f.MemoryMb) : shapes.HybridPipeline.StepMemoryMb,
                AnalyzeMemoryMb = functions.Count > 0 ? functions.Max(f => f.MemoryMb) : shapes.HybridPipeline.AnalyzeMemoryMb,
                Architecture = functions.Count > 0 ? functions[0].Architecture : shapes.HybridPipeline.Architecture,
                WorkerCpuUnits = task?.CpuUnits ?? shapes.HybridPipeline.WorkerCpuUnits,
                WorkerMemoryMiB = task?.MemoryMiB ?? shapes.HybridPipeline.WorkerMemoryMiB,
                WorkerArchitecture = task?.Architecture ?? shapes.HybridPipeline.WorkerArchitecture,
                NatGateways = OfType(resources, "AWS::EC2::NatGateway").Count(),
            };
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"From {name} (pattern 4): step/analysis functions {shape.StepMemoryMb}/{shape.AnalyzeMemoryMb} MB {shape.Architecture}, worker {shape.WorkerCpuUnits} CPU units/{shape.WorkerMemoryMiB} MiB {shape.WorkerArchitecture}, {shape.NatGateways} NAT gateway(s)."));
            return (shapes with { HybridPipeline = shape }, notes);
        }

        if (OfType(resources, "AWS::AutoScaling::AutoScalingGroup").Any() && OfType(resources, "AWS::ECS::Service").Any())
        {
            var group = OfType(resources, "AWS::AutoScaling::AutoScalingGroup").First();
            var launchTemplate = OfType(resources, "AWS::EC2::LaunchTemplate").FirstOrDefault()?["Properties"]?["LaunchTemplateData"];
            var container = OfType(resources, "AWS::ECS::TaskDefinition").FirstOrDefault()?["Properties"]?["ContainerDefinitions"]?[0];
            var (minTasks, maxTasks) = ScalingBounds(resources);
            var target = ScalingTarget(resources);
            var current = shapes.GpuInference;
            var shape = current with
            {
                InstanceType = Text(launchTemplate?["InstanceType"]) ?? current.InstanceType,
                MinInstances = Integer(group["Properties"]?["MinSize"]) ?? current.MinInstances,
                MaxInstances = Integer(group["Properties"]?["MaxSize"]) ?? current.MaxInstances,
                ContainerCpuUnits = Integer(container?["Cpu"]) ?? current.ContainerCpuUnits,
                ContainerMemoryMiB = Integer(container?["Memory"]) ?? current.ContainerMemoryMiB,
                MinTasks = minTasks ?? current.MinTasks,
                MaxTasks = maxTasks ?? current.MaxTasks,
                TargetPercent = target ?? current.TargetPercent,
                RootVolumeGiB = Integer(launchTemplate?["BlockDeviceMappings"]?[0]?["Ebs"]?["VolumeSize"]) ?? current.RootVolumeGiB,
                NatGateways = OfType(resources, "AWS::EC2::NatGateway").Count(),
                Endpoint = Endpoint(resources),
            };
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"From {name} (pattern 3): {shape.InstanceType}, {shape.MinInstances}–{shape.MaxInstances} instances, {shape.MinTasks}–{shape.MaxTasks} tasks, container {shape.ContainerCpuUnits} CPU units/{shape.ContainerMemoryMiB} MiB, {shape.RootVolumeGiB} GiB root volume, {shape.NatGateways} NAT gateway(s)."));
            return (shapes with { GpuInference = shape }, notes);
        }

        if (OfType(resources, "AWS::ECS::Service").Any() && FargateTask(resources) is { } fargateTask)
        {
            var (minTasks, maxTasks) = ScalingBounds(resources);
            var current = shapes.FargateModel;
            var shape = current with
            {
                CpuUnits = fargateTask.CpuUnits,
                MemoryMiB = fargateTask.MemoryMiB,
                Architecture = fargateTask.Architecture,
                MinTasks = minTasks ?? current.MinTasks,
                MaxTasks = maxTasks ?? current.MaxTasks,
                CpuTargetPercent = ScalingTarget(resources) ?? current.CpuTargetPercent,
                NatGateways = OfType(resources, "AWS::EC2::NatGateway").Count(),
                Endpoint = Endpoint(resources),
            };
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"From {name} (pattern 2): tasks of {shape.CpuUnits} CPU units/{shape.MemoryMiB} MiB {shape.Architecture}, {shape.MinTasks}–{shape.MaxTasks} tasks at {shape.CpuTargetPercent}% CPU, {shape.NatGateways} NAT gateway(s)."));
            return (shapes with { FargateModel = shape }, notes);
        }

        // Pattern 5 runs the model inside its function (handler embeddings-api): read before pattern 1, which it resembles.
        if (OfType(resources, "AWS::Lambda::Function").FirstOrDefault(function => Text(function["Properties"]?["Handler"]) == "embeddings-api") is { } modelFunction)
        {
            var properties = modelFunction["Properties"];
            var shape = new LambdaModelShape(
                Integer(properties?["MemorySize"]) ?? 128,
                Text(properties?["Architectures"]?[0]) == "arm64" ? CpuArchitecture.Arm64 : CpuArchitecture.X64,
                ProvisionedConcurrency(resources));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"From {name} (pattern 5): the model's function at {shape.MemoryMb} MB {shape.Architecture}, provisioned concurrency {shape.ProvisionedConcurrency}."));
            return (shapes with { LambdaModel = shape }, notes);
        }

        var lambdaFunctions = Functions(resources);
        if (lambdaFunctions.Count > 0)
        {
            var shape = new LambdaShape(lambdaFunctions.Max(f => f.MemoryMb), lambdaFunctions[0].Architecture, ProvisionedConcurrency(resources));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"From {name} (pattern 1): functions of {shape.MemoryMb} MB {shape.Architecture}, provisioned concurrency {shape.ProvisionedConcurrency}."));
            return (shapes with { LambdaBedrock = shape }, notes);
        }

        throw new AdvisorInputException($"{templatePath}: not one of this repository's pattern templates (no state machine, ECS service or Lambda function in it).");
    }

    private static int ProvisionedConcurrency(JsonObject resources) =>
        OfType(resources, "AWS::Lambda::Alias")
            .Select(alias => Integer(alias["Properties"]?["ProvisionedConcurrencyConfig"]?["ProvisionedConcurrentExecutions"]) ?? 0)
            .DefaultIfEmpty(0).Max();

    private static JsonObject ReadResources(string path)
    {
        try
        {
            var template = JsonNode.Parse(File.ReadAllText(path));
            return template?["Resources"] as JsonObject
                ?? throw new AdvisorInputException($"{path}: a CloudFormation template with a Resources section was expected.");
        }
        catch (JsonException exception)
        {
            throw new AdvisorInputException($"{path}: the template does not parse as JSON: {exception.Message}", exception);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new AdvisorInputException($"{path}: cannot read the template: {exception.Message}", exception);
        }
    }

    private static IEnumerable<JsonNode> OfType(JsonObject resources, string type) =>
        resources.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Where(entry => Text(entry.Value?["Type"]) == type)
            .Select(entry => entry.Value!);

    /// <summary>Our functions run on provided.al2023; CDK's own helper functions (log retention, custom resources) run on Node.js and are left out.</summary>
    private static List<(int MemoryMb, CpuArchitecture Architecture)> Functions(JsonObject resources) =>
        OfType(resources, "AWS::Lambda::Function")
            .Select(function => function["Properties"])
            .Where(properties => Text(properties?["Runtime"])?.StartsWith("provided", StringComparison.Ordinal) == true)
            .Select(properties => (Integer(properties?["MemorySize"]) ?? 128,
                Text(properties?["Architectures"]?[0]) == "arm64" ? CpuArchitecture.Arm64 : CpuArchitecture.X64))
            .ToList();

    private static (int CpuUnits, int MemoryMiB, CpuArchitecture Architecture)? FargateTask(JsonObject resources)
    {
        var definition = OfType(resources, "AWS::ECS::TaskDefinition")
            .Select(resource => resource["Properties"])
            .FirstOrDefault(properties => properties?["RequiresCompatibilities"] is JsonArray compatibilities && compatibilities.Any(c => Text(c) == "FARGATE"));
        if (definition is null || Integer(definition["Cpu"]) is not { } cpu || Integer(definition["Memory"]) is not { } memory)
        {
            return null;
        }

        var architecture = Text(definition["RuntimePlatform"]?["CpuArchitecture"]) == "ARM64" ? CpuArchitecture.Arm64 : CpuArchitecture.X64;
        return (cpu, memory, architecture);
    }

    private static (int? Min, int? Max) ScalingBounds(JsonObject resources)
    {
        var target = OfType(resources, "AWS::ApplicationAutoScaling::ScalableTarget").FirstOrDefault()?["Properties"];
        return (Integer(target?["MinCapacity"]), Integer(target?["MaxCapacity"]));
    }

    private static double? ScalingTarget(JsonObject resources) =>
        OfType(resources, "AWS::ApplicationAutoScaling::ScalingPolicy")
            .Select(policy => policy["Properties"]?["TargetTrackingScalingPolicyConfiguration"])
            .Where(configuration => Text(configuration?["PredefinedMetricSpecification"]?["PredefinedMetricType"]) == "ECSServiceAverageCPUUtilization")
            .Select(configuration => Number(configuration?["TargetValue"]))
            .FirstOrDefault(value => value is not null);

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static double? Number(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<double>(out var number) => number,
        JsonValue value when value.TryGetValue<string>(out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private static int? Integer(JsonNode? node) => Number(node) is { } number ? (int)number : null;
}
