using Microsoft.AspNetCore.Http.Features;

namespace MedLedger.Server.Infrastructure.Errors;

/// <summary>Per-endpoint body limit, e.g. <c>.WithMetadata(new BodySizeLimit(21 * 1024 * 1024))</c>.</summary>
public sealed record BodySizeLimit(long Bytes);

/// <summary>
/// Refuses oversize bodies with a 413 problem before any handler reads them. Kestrel enforces
/// the same limit while streaming (chunked bodies); this also covers hosts that do not (TestServer).
/// </summary>
internal sealed class RequestSizeLimitMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodySizeLimit>()?.Bytes ?? MedLedgerServer.DefaultMaxBodyBytes;
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
        if (context.Request.ContentLength is { } length && length > limit)
        {
            throw ProblemException.TooLarge($"The request body is {length} bytes; the limit for this endpoint is {limit} bytes.");
        }
        if (context.Request.ContentLength is null && context.Request.Body.CanRead && feature is null)
        {
            context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        }
        await next(context);
    }

    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }
            return n;
        }
    }
}
