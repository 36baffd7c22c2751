using ReferenceArchitectures.Cdk.Constructs;
//#if (FargateModel)
using ReferenceArchitectures.Cdk.FargateModel;
//#endif
//#if (HybridPipeline)
using ReferenceArchitectures.Cdk.HybridPipeline;
//#endif

namespace ReferenceArchitectures.Cdk.Tests;

/// <summary>
/// The one table of Fargate task sizes, against AWS's
/// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size), and the
/// props of every pattern that runs a Fargate task, which must accept exactly what it accepts.
/// </summary>
public sealed class FargateTaskSizesTests
{
    // Pairs written out from AWS's table: each end of each range, and a step inside it.
    public static TheoryData<int, int> DocumentedSizes() => new()
    {
        { 256, 512 }, { 256, 1024 }, { 256, 2048 },
        { 512, 1024 }, { 512, 3072 }, { 512, 4096 },
        { 1024, 2048 }, { 1024, 5120 }, { 1024, 8192 },
        { 2048, 4096 }, { 2048, 9216 }, { 2048, 16384 },
        { 4096, 8192 }, { 4096, 17408 }, { 4096, 30720 },
        { 8192, 16384 }, { 8192, 20480 }, { 8192, 61440 },
        { 16384, 32768 }, { 16384, 40960 }, { 16384, 122880 },
    };

    // Pairs Fargate refuses: between the sizes a CPU takes, beyond its ends, off its step, or a CPU size it lacks.
    public static TheoryData<int, int> RefusedSizes() => new()
    {
        { 256, 1536 }, { 256, 256 }, { 256, 3072 },
        { 512, 512 }, { 512, 1536 }, { 512, 5120 },
        { 1024, 1024 }, { 1024, 2560 }, { 1024, 9216 },
        { 2048, 3072 }, { 2048, 17408 },
        { 4096, 7168 }, { 4096, 31744 },
        { 8192, 18432 }, { 8192, 65536 },
        { 16384, 36864 }, { 16384, 131072 },
        { 128, 512 }, { 3072, 8192 }, { 32768, 65536 },
    };

    [Theory]
    [MemberData(nameof(DocumentedSizes))]
    public void Documented_sizes_are_allowed(int cpuUnits, int memoryMiB) =>
        Assert.True(FargateTaskSizes.Allows(cpuUnits, memoryMiB));

    [Theory]
    [MemberData(nameof(RefusedSizes))]
    public void Sizes_fargate_refuses_are_not_allowed(int cpuUnits, int memoryMiB) =>
        Assert.False(FargateTaskSizes.Allows(cpuUnits, memoryMiB));

    [Fact]
    public void Table_holds_every_documented_memory_size_and_no_other()
    {
        // Counted from AWS's table: 3 + 4 + 7 sizes, then (last - first) / step + 1 for each range.
        var expected = new Dictionary<int, int> { [256] = 3, [512] = 4, [1024] = 7, [2048] = 13, [4096] = 23, [8192] = 12, [16384] = 12 };

        Assert.Equal(expected, FargateTaskSizes.MemoryMiBByCpuUnits.ToDictionary(size => size.Key, size => size.Value.Count));
    }

    [Fact]
    public void A_refused_size_names_the_memory_property_and_what_the_cpu_allows()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FargateTaskSizes.Require(256, 1536, "Cpu", "Memory"));

        Assert.Equal("Memory", error.ParamName);
        Assert.StartsWith("Memory must be 512, 1024 or 2048 MiB, the sizes Fargate allows with 256 CPU units (Cpu); got 1536.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_cpu_size_names_the_cpu_property()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => FargateTaskSizes.Require(3072, 8192, "Cpu", "Memory"));

        Assert.Equal("Cpu", error.ParamName);
    }

    //#if (FargateModel)
    [Fact]
    public void Fargate_model_refuses_1536_MiB_with_256_cpu_units()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new FargateModelStackProps { CpuUnits = 256, MemoryMiB = 1536 }.Validate());

        Assert.Equal(nameof(FargateModelStackProps.MemoryMiB), error.ParamName);
    }

    [Theory]
    [MemberData(nameof(DocumentedSizes))]
    [MemberData(nameof(RefusedSizes))]
    public void Fargate_model_task_accepts_exactly_the_table(int cpuUnits, int memoryMiB)
    {
        var props = new FargateModelStackProps { CpuUnits = cpuUnits, MemoryMiB = memoryMiB };

        Assert.Equal(FargateTaskSizes.Allows(cpuUnits, memoryMiB), Record.Exception(props.Validate) is null);
    }
    //#endif

    //#if (HybridPipeline)
    [Theory]
    [MemberData(nameof(DocumentedSizes))]
    [MemberData(nameof(RefusedSizes))]
    public void Hybrid_pipeline_worker_accepts_exactly_the_table(int cpuUnits, int memoryMiB)
    {
        var props = new HybridPipelineStackProps { WorkerCpu = cpuUnits, WorkerMemoryMiB = memoryMiB };

        Assert.Equal(FargateTaskSizes.Allows(cpuUnits, memoryMiB), Record.Exception(props.Validate) is null);
    }
    //#endif
}
