using ReferenceArchitectures.ModelServer;

// Pattern 2's model server: all-MiniLM-L6-v2 on ONNX Runtime behind OpenAI's embeddings API.
//   POST /v1/embeddings, POST /v1/similarity   EmbeddingsApi.cs (dynamic batching: EmbeddingBatcher.cs)
//   GET /health/live, GET /health/ready          HealthApi.cs (ready = model loaded and warmed up)
//   GET /metrics                                 Prometheus, from ServerMetrics.cs
// Settings: the ModelServer section (ModelServerOptions.cs), e.g. ModelServer__MaxBatchSize=32 in the environment.
var app = ModelServerApplication.Create(args);
await app.RunAsync();
