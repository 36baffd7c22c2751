using ReferenceArchitectures.ModelServer;

// The model server of patterns 2 (Fargate, CPU) and 3 (ECS on GPU instances): a sentence-embedding model on ONNX
// Runtime behind OpenAI's embeddings API.
//   POST /v1/embeddings, POST /v1/similarity   EmbeddingsApi.cs (dynamic batching: EmbeddingBatcher.cs)
//   GET /health/live, GET /health/ready          HealthApi.cs (ready = model loaded and warmed up)
//   GET /metrics                                 Prometheus, from ServerMetrics.cs
// Settings: the ModelServer section (ModelServerOptions.cs), e.g. ModelServer__MaxBatchSize=32 in the environment;
// which model and where it runs: the Model section (ModelOptions.cs; the S3 source is S3ModelSource.cs), e.g.
// Model__Source=s3 Model__S3Uri=s3://bucket/prefix/ Model__ExecutionProvider=cuda.
var app = ModelServerApplication.Create(args);
await app.RunAsync();
