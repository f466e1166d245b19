using Portal.Access;
using Portal.Operations;

namespace Portal.Tests.Operations;

public sealed class RequestLogStateTests
{
    [Fact]
    public void Log_lines_carry_the_request_id_and_the_org_and_user_known_when_they_are_written()
    {
        var tenant = new TenantContext(new NobodyYet());
        var state = new RequestLogState("req-42", tenant);
        Assert.Equal("RequestId=req-42", state.ToString());

        var userId = Guid.NewGuid();
        tenant.SetUser(userId, "Ada", "org-home");

        var fields = state.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal("req-42", fields["RequestId"]);
        Assert.Equal("org-home", fields["OrgId"]);
        Assert.Equal(userId, fields["UserId"]);
    }

    private sealed class NobodyYet : ICallerResolver
    {
        public Task ResolveAsync(TenantContext tenant, CancellationToken ct) => Task.CompletedTask;
    }
}
