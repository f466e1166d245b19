using Portal.ApiKeys;

namespace Portal.Tests.ApiKeys;

public sealed class ConnectionSecretHashesTests
{
    [Fact]
    public void Every_secret_gets_its_own_hash_however_many_a_connection_presents_in_turn()
    {
        var memo = new ConnectionSecretHashes();
        var secrets = Enumerable.Range(0, 20).Select(_ => ApiKeySecrets.Generate()).ToArray();

        // More secrets than the memo keeps, interleaved and repeated: entries are replaced, never mixed up.
        for (var round = 0; round < 3; round++)
        {
            foreach (var secret in secrets.Concat(secrets.Take(5)).Concat(secrets.Reverse()))
            {
                Assert.Equal(ApiKeySecrets.Hash(secret), memo.HashOf(new string(secret.AsSpan())));
            }
        }
    }

    [Fact]
    public async Task Concurrent_streams_of_one_connection_always_get_the_hash_of_what_they_sent()
    {
        var memo = new ConnectionSecretHashes();
        var secrets = Enumerable.Range(0, 12).Select(_ => ApiKeySecrets.Generate()).ToArray();
        var wrong = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var secret = secrets[(i * (worker + 1)) % secrets.Length];
                if (memo.HashOf(secret) != ApiKeySecrets.Hash(secret))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
    }
}
