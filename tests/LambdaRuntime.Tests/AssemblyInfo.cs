// LambdaHost publishes the trace header in the process-wide _X_AMZN_TRACE_ID variable, as Lambda's X-Ray
// integration requires; hosts running side by side would overwrite each other's value.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
