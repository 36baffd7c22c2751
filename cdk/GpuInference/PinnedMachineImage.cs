using Amazon.CDK.AWS.EC2;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace ReferenceArchitectures.Cdk.GpuInference;

/// <summary>
/// One fixed Linux AMI id. Derives from DeputyBase because the CDK (in Node) calls <see cref="GetImage"/>;
/// without it the call never reaches this class.
/// </summary>
internal sealed class PinnedMachineImage(string imageId) : DeputyBase, IMachineImage
{
    public IMachineImageConfig GetImage(Construct scope) => new MachineImageConfig
    {
        ImageId = imageId,
        OsType = OperatingSystemType.LINUX,
        UserData = UserData.ForLinux(),
    };
}
