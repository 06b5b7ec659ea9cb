using Conclave.Grains;
using Conclave.MediaServer.Api;
using Conclave.MediaServer.Files;
using Conclave.MediaServer.Health;
using Conclave.MediaServer.Identity;
using Conclave.MediaServer.Media;
using Conclave.MediaServer.Signaling;
using Conclave.Signaling;
using Conclave.Signaling.Protocol;
using Conclave.Signaling.Protocol.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Conclave.MediaServer.Hosting;

/// <summary>Builds the one process that is Conclave: Kestrel, the signaling endpoint, the API, the web client and an Orleans silo.</summary>
public static class ConclaveHost
{
    /// <summary>Builds the application; <paramref name="configure"/> lets tests add configuration before services are read.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        configure?.Invoke(builder);

        ConclaveOptions options = builder.Configuration.GetSection(ConclaveOptions.Section).Get<ConclaveOptions>() ?? new ConclaveOptions();
        DataDirectory.Ensure(options.DataDirectory);
        builder.Services.Configure<ConclaveOptions>(builder.Configuration.GetSection(ConclaveOptions.Section));
        builder.Services.PostConfigure<ConclaveOptions>(o => o.DataDirectory = options.DataDirectory);
        builder.Services.Configure<SignalConnectionOptions>(builder.Configuration.GetSection("Conclave:Signaling"));
        builder.Services.AddSingleton(TimeProvider.System);

        builder.WebHost.ConfigureKestrel(kestrel => KestrelEndpoints.Configure(kestrel, options, TimeProvider.System));
        builder.UseOrleans(silo =>
        {
            OrleansSetup.Configure(silo, options);
            silo.ConfigureSessionOptions(o => builder.Configuration.GetSection("Conclave:Sessions").Bind(o));
        });

        builder.Services.AddSingleton<SigningKeyStore>();
        builder.Services.AddSingleton<EmbeddedTokenIssuer>();
        builder.Services.AddSingleton<TokenValidator>();
        builder.Services.AddAuthentication(BearerAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(BearerAuthenticationHandler.AdminPolicy, p => p.RequireRole(AuthenticatedUser.Claims.AdminRole))
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ConclaveJsonContext.Default));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("ready", tags: [ReadinessCheck.Tag]);
        builder.Services.AddHostedService<StartupService>();
        builder.Services.AddSingleton<MediaPort>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MediaPort>());
        builder.Services.AddConclaveFiles(options);
        builder.Services.AddSingleton<EchoSessions>();
        builder.Services.AddSingleton<CallMedia>();
        builder.Services.AddSingleton<MediaNodeEndpoint>();
        builder.Services.AddSingleton(services => new MediaNodeClient(services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<CallMedia>(), services.GetRequiredService<IOptions<ConclaveOptions>>().Value.Media.NodeId));
        builder.Services.AddHostedService(services => new MediaNodeRegistration(services.GetRequiredService<IGrainFactory>(),
            services.GetRequiredService<MediaNodeEndpoint>(), services.GetRequiredService<IOptions<ConclaveOptions>>().Value.Media.NodeId,
            services.GetRequiredService<ILogger<MediaNodeRegistration>>()));

        WebApplication app = builder.Build();
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseStatusCodePages(context => ApiErrorMiddleware.DescribeBareStatusAsync(context.HttpContext));
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadinessCheck.Tag) }).AllowAnonymous();
        app.MapGet("/join/{code}", (IWebHostEnvironment environment) =>
            Results.File(Path.Combine(environment.WebRootPath, "join.html"), "text/html; charset=utf-8")).AllowAnonymous();
        app.MapAdminApi();
        app.MapUserApi();
        app.MapSignaling();
        app.MapMediaApi();
        app.MapRoomApi();
        app.MapUploads();
        app.MapFilesApi();
        return app;
    }
}
