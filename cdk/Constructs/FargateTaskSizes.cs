namespace ReferenceArchitectures.Cdk.Constructs;

/// <summary>
/// The CPU and memory combinations a Linux Fargate task may have. ECS refuses any other pair when the task definition
/// is registered, which is during the deployment; checking the props finds it at synth instead.
/// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
/// and the task-level <c>cpu</c> and <c>memory</c> parameters of
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html.
/// </summary>
public static class FargateTaskSizes
{
    /// <summary>For each task CPU size (CPU units, 1024 = one vCPU), the memory sizes in MiB allowed with it, smallest first.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<int>> MemoryMiBByCpuUnits { get; } = new SortedDictionary<int, IReadOnlyList<int>>
    {
        // A quarter vCPU takes three sizes only: 1536 MiB, between two of them, is refused.
        [256] = [512, 1024, 2048],
        [512] = Steps(1024, 4096, 1024),
        [1024] = Steps(2048, 8192, 1024),
        [2048] = Steps(4096, 16384, 1024),
        [4096] = Steps(8192, 30720, 1024),

        // 8 and 16 vCPUs need platform version 1.4.0 or later, which LATEST (the CDK's default) is.
        [8192] = Steps(16384, 61440, 4096),
        [16384] = Steps(32768, 122880, 8192),
    };

    /// <summary>
    /// Throws an <see cref="ArgumentOutOfRangeException"/> naming the property at fault, as <see cref="PropsRules"/> does:
    /// the CPU property when Fargate has no such CPU size, otherwise the memory property.
    /// </summary>
    public static void Require(int cpuUnits, int memoryMiB, string cpuName, string memoryName)
    {
        if (!MemoryMiBByCpuUnits.ContainsKey(cpuUnits))
        {
            throw new ArgumentOutOfRangeException(cpuName, cpuUnits,
                $"{cpuName} must be one of Fargate's CPU sizes ({string.Join(", ", MemoryMiBByCpuUnits.Keys)}); got {cpuUnits}.");
        }

        if (!Allows(cpuUnits, memoryMiB))
        {
            throw new ArgumentOutOfRangeException(memoryName, memoryMiB,
                $"{memoryName} must be {DescribeMemory(cpuUnits)}, the sizes Fargate allows with {cpuUnits} CPU units ({cpuName}); got {memoryMiB}.");
        }
    }

    public static bool Allows(int cpuUnits, int memoryMiB) =>
        MemoryMiBByCpuUnits.TryGetValue(cpuUnits, out var memory) && memory.Contains(memoryMiB);

    /// <summary>The memory sizes allowed with <paramref name="cpuUnits"/>, as a reader would write them: "512, 1024 or 2048 MiB".</summary>
    private static string DescribeMemory(int cpuUnits)
    {
        var memory = MemoryMiBByCpuUnits[cpuUnits];
        return memory.Count <= 4
            ? $"{string.Join(", ", memory.Take(memory.Count - 1))} or {memory[^1]} MiB"
            : $"{memory[0]} to {memory[^1]} MiB in steps of {memory[1] - memory[0]}";
    }

    private static int[] Steps(int first, int last, int step) =>
        Enumerable.Range(0, ((last - first) / step) + 1).Select(index => first + (index * step)).ToArray();
}
