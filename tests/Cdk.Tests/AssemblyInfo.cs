// The jsii runtime behind the CDK serves one request at a time over one pipe to Node; test classes
// running in parallel would interleave requests on it.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
