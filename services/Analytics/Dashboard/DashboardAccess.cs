using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Analytics.Dashboard;

/// <summary>Who may see the dashboard: a caller presenting the admin token (<c>Authorization: Bearer</c>, as scripts
/// do), or a browser holding the session cookie it got by presenting the admin token once. The cookie carries an
/// expiry and an HMAC of it keyed by the admin token, never the token itself: a leaked cookie opens only the
/// dashboard, only until it expires, and rotating the admin token invalidates every session.</summary>
internal sealed class DashboardAccess(IOptions<SecurityOptions> options, TimeProvider time)
{
    public const string CookieName = "gateway_dashboard";

    /// <summary>How long a browser session lasts.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    private readonly byte[] _admin = Encoding.UTF8.GetBytes(options.Value.AdminToken);

    public DashboardCaller Check(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return IsAdminToken(header[Prefix.Length..].Trim()) ? DashboardCaller.Admin : DashboardCaller.Refused;
        }

        if (request.Cookies.TryGetValue(CookieName, out var session) && session is not null)
        {
            return IsValidSession(session) ? DashboardCaller.Admin : DashboardCaller.Anonymous;
        }

        return DashboardCaller.Anonymous;
    }

    public bool IsAdminToken(string presented) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _admin);

    /// <summary>Starts a browser session: HttpOnly (scripts cannot read it), SameSite=Strict (other sites cannot
    /// ride on it), scoped to the dashboard's paths.</summary>
    public void StartSession(HttpContext context)
    {
        var expires = time.GetUtcNow() + SessionLifetime;
        var value = Session(expires.ToUnixTimeSeconds());
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = DashboardEndpoints.Path,
            Expires = expires,
        });
    }

    private bool IsValidSession(string session)
    {
        var dot = session.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0
            || !long.TryParse(session.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || expires <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(session), Encoding.ASCII.GetBytes(Session(expires)));
    }

    private string Session(long expiresUnixSeconds)
    {
        var expires = expiresUnixSeconds.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(_admin, Encoding.UTF8.GetBytes("gateway-dashboard-session:" + expires));
        return expires + "." + Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

internal enum DashboardCaller
{
    /// <summary>Presented nothing (or an expired session): 401.</summary>
    Anonymous,

    /// <summary>Presented a token that is not the admin token: 403.</summary>
    Refused,

    Admin,
}
