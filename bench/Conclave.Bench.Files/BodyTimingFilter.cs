using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Conclave.Bench.Files;

/// <summary>
/// A middleware ahead of the server's own (an <see cref="IStartupFilter"/> of the in-process server) that puts every
/// tus PATCH body behind a <see cref="TimedReadStream"/>: each read UploadReceiver makes is timed, i.e. how long the
/// server waits for the client's bytes.
/// </summary>
internal sealed class BodyTimingFilter(Timeline timeline) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (HttpMethods.IsPatch(context.Request.Method) && context.Request.Path.StartsWithSegments("/api/uploads"))
                context.Request.Body = new TimedReadStream(context.Request.Body, timeline, Activity.BodyRead, leaveOpen: true);
            await nextMiddleware(context).ConfigureAwait(false);
        });
        next(app);
    };
}
