using Gateway.Analytics.Ingest;
using Gateway.Analytics.Queries;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Gateway.Analytics.Dashboard;

/// <summary>The usage dashboard on the HTTP endpoint, for operators (admin token only):
/// <list type="bullet">
/// <item><c>GET /dashboard</c>: the page. <c>?token=&lt;admin token&gt;</c> once (or the login form) starts an
/// HttpOnly, SameSite=Strict session cookie and redirects to the same URL without the token.</item>
/// <item><c>GET /dashboard/data?days=30&amp;tenant=a,b</c>: the JSON the page draws (Bearer admin token or the
/// session cookie). Without tenants: the most expensive ones in the range.</item>
/// </list></summary>
internal static partial class DashboardEndpoints
{
    public const string Path = "/dashboard";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        // Built once from singletons, so registering the dashboard takes no line in the service registration.
        var services = app.ServiceProvider;
        var access = ActivatorUtilities.CreateInstance<DashboardAccess>(services);
        var builder = new DashboardDataBuilder(services.GetRequiredService<CostRollupQuery>(),
            new DashboardTenantsQuery(services.GetRequiredService<NpgsqlDataSource>()));
        var time = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints).FullName!);

        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", (HttpContext context) => Page(context, access, logger));
        group.MapPost("/login", (HttpContext context, CancellationToken cancellationToken) =>
            LoginAsync(context, access, logger, cancellationToken));
        group.MapGet("/data", (HttpContext context, CancellationToken cancellationToken) =>
            DataAsync(context, access, builder, time, logger, cancellationToken));
        return app;
    }

    private static IResult Page(HttpContext context, DashboardAccess access, ILogger logger)
    {
        NoStore(context);
        var query = context.Request.Query;
        if (query.TryGetValue("token", out var token))
        {
            if (!access.IsAdminToken(token.ToString()))
            {
                LogRefused(logger, "token parameter");
                return Html(DashboardPage.LoginHtml("That is not the admin token."), StatusCodes.Status403Forbidden);
            }

            // Drop the token from the address bar and history; keep the rest of the question.
            access.StartSession(context);
            var rest = QueryString.Create(query.Where(p => p.Key != "token"));
            return TypedResults.Redirect(Path + rest.ToUriComponent());
        }

        return access.Check(context.Request) switch
        {
            DashboardCaller.Admin => Html(DashboardPage.Html, StatusCodes.Status200OK),
            DashboardCaller.Refused => Html(DashboardPage.LoginHtml("That is not the admin token."), StatusCodes.Status403Forbidden),
            _ => Html(DashboardPage.LoginHtml("The usage dashboard needs the admin token."), StatusCodes.Status401Unauthorized),
        };
    }

    private static async Task<IResult> LoginAsync(HttpContext context, DashboardAccess access, ILogger logger,
        CancellationToken cancellationToken)
    {
        NoStore(context);
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(cancellationToken) : null;
        if (form is null || !access.IsAdminToken(form["token"].ToString()))
        {
            LogRefused(logger, "login form");
            return Html(DashboardPage.LoginHtml("That is not the admin token."), StatusCodes.Status403Forbidden);
        }

        access.StartSession(context);
        return TypedResults.Redirect(Path);
    }

    private static async Task<IResult> DataAsync(HttpContext context, DashboardAccess access, DashboardDataBuilder builder,
        TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        NoStore(context);
        switch (access.Check(context.Request))
        {
            case DashboardCaller.Anonymous:
                return Error(StatusCodes.Status401Unauthorized, "Send \"Authorization: Bearer <admin token>\" or open /dashboard.",
                    "authentication_error", "missing_admin_token");
            case DashboardCaller.Refused:
                LogRefused(logger, "bearer token");
                return Error(StatusCodes.Status403Forbidden, "The dashboard requires the admin token.", "permission_error",
                    "not_admin_token");
        }

        var request = context.Request.Query;
        var (query, problem) = DashboardQuery.Parse(request["days"], request["tenant"].ToArray()!);
        if (query is null)
        {
            return Error(StatusCodes.Status400BadRequest, problem!, "invalid_request_error", "invalid_parameter");
        }

        try
        {
            var data = await builder.BuildAsync(query, time.GetUtcNow().UtcDateTime, cancellationToken);
            return TypedResults.Json(data, DashboardJsonContext.Default.DashboardData);
        }
        catch (Exception ex) when (DatabaseFailure.IsTransient(ex))
        {
            LogDatabaseFailure(logger, ex.GetType().Name);
            return Error(StatusCodes.Status503ServiceUnavailable, "The analytics database is unavailable; retry later.",
                "api_error", "database_unavailable");
        }
    }

    private static ContentHttpResult Html(string html, int statusCode) =>
        TypedResults.Content(html, "text/html; charset=utf-8", statusCode: statusCode);

    private static JsonHttpResult<DashboardError> Error(int statusCode, string message, string type, string code) =>
        TypedResults.Json(new DashboardError(new DashboardErrorDetail(message, type, code)),
            DashboardJsonContext.Default.DashboardError, statusCode: statusCode);

    /// <summary>Usage is private and changes by the minute: no cache keeps it; the page runs only its own script.</summary>
    private static void NoStore(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = DashboardPage.ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
    }

    // The presented value is never logged: it may be a mistyped admin token.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard access refused: the {Channel} did not carry the admin token")]
    private static partial void LogRefused(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard query failed: database failure {ErrorType}")]
    private static partial void LogDatabaseFailure(ILogger logger, string errorType);
}
