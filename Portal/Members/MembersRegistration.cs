namespace Portal.Members;

public static class MembersRegistration
{
    public static IServiceCollection AddPortalMembers(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SmtpOptions>(configuration.GetSection(SmtpOptions.Section));
        services.AddSingleton<IInvitationSender, SmtpInvitationSender>();
        services.AddScoped<MemberService>();
        return services;
    }
}
