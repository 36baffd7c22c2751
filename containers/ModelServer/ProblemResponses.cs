using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ReferenceArchitectures.ModelServer;

/// <summary>Every error the server sends is an RFC 9457 problem document, including the ones ASP.NET Core and
/// Kestrel produce themselves (404, 405, body too large), and none carries exception details.</summary>
public static partial class ProblemResponses
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<UnhandledErrorHandler>();
        return services;
    }

    public static IApplicationBuilder UseProblemResponses(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        // Turns bare error statuses (404 for an unknown path, 405 for a wrong method) into problem documents.
        app.UseStatusCodePages();
        return app;
    }

    private sealed partial class UnhandledErrorHandler(IProblemDetailsService problems, ILogger<UnhandledErrorHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
            {
                return true; // the client has gone; nobody reads an answer
            }

            var (status, title, detail) = exception switch
            {
                // Kestrel's request checks (body too large, bad framing); their messages are meant for clients.
                BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
                _ => (StatusCodes.Status500InternalServerError, "Internal error", "The server failed to process the request; the error is logged with this trace id."),
            };
            if (status >= 500)
            {
                LogUnhandled(exception, httpContext.TraceIdentifier);
            }

            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
            });
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in request {TraceId}")]
        private partial void LogUnhandled(Exception error, string traceId);
    }
}
