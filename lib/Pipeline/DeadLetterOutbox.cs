using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace ReferenceArchitectures.Pipeline;

/// <summary>Where a document that could not be processed is sent, with its input and cause, for an operator to replay.</summary>
public sealed class DeadLetterOutbox(IAmazonSQS sqs, string queueUrl)
{
    // SQS accepts messages up to 256 KiB; an input that large is cut, the document reference always survives.
    private const int MaxMessageBytes = 256 * 1024;

    public async Task SendAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var body = JsonSerializer.Serialize(letter, PipelineJsonContext.Default.DeadLetter);
        if (System.Text.Encoding.UTF8.GetByteCount(body) > MaxMessageBytes)
        {
            body = JsonSerializer.Serialize(letter with { Input = JsonDocument.Parse("\"(input too large for SQS; see the execution history)\"").RootElement },
                PipelineJsonContext.Default.DeadLetter);
        }

        await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl, MessageBody = body }, cancellationToken).ConfigureAwait(false);
    }
}
