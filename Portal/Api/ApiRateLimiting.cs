using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.ApiKeys;

namespace Portal.Api;

/// <summary>A token bucket per API key (per client address for requests without a valid key); the portal's pages are not limited.</summary>
internal static class ApiRateLimiting
{
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ApiOptions>>((limiter, api) =>
        {
            var perMinute = Math.Max(1, api.Value.RateLimitPerMinute);
            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / perMinute),
                QueueLimit = 0,
                AutoReplenishment = true,
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                // The gateway's decision calls are the platform's own hot path, not a customer's traffic: not limited.
                !ApiPaths.IsApi(context.Request.Path) || context.Request.Path.StartsWithSegments("/decision")
                    ? RateLimitPartition.GetNoLimiter("portal")
                    : RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => bucket));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? wait
                    : bucket.ReplenishmentPeriod;
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.WriteAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "rate_limited",
                    $"Too many requests for this API key: at most {perMinute} a minute. Retry in {seconds} s.",
                    new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
            };
        });
        return services;
    }

    private static string PartitionOf(HttpContext context) =>
        context.User.FindFirstValue(ApiKeyClaims.KeyId) is { } keyId
            ? "key:" + keyId
            : "address:" + context.Connection.RemoteIpAddress;
}
