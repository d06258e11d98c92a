using System.Text;
using EventBus.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EventBus.Tests.Resilience;

public sealed class FailureHandlingOptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The README's appsettings.json example, verbatim: the seed's settings mapped onto EventBusOptions.
    private const string AppSettings = """
        {
          "EventBus": {
            "Resilience": {
              "Retry": { "MaxRetryAttempts": 3, "Delay": "00:00:00.200", "MaxDelay": "00:00:30", "UseJitter": true },
              "AttemptTimeout": "00:00:05",
              "OperationTimeout": "00:00:30",
              "CircuitBreaker": {
                "FailureRatio": 0.5,
                "MinimumThroughput": 10,
                "SamplingDuration": "00:00:30",
                "BreakDuration": "00:01:00"
              },
              "FallbackEnabled": true
            },
            "DeadLetters": { "Capacity": 10000 },
            "Idempotency": { "Enabled": true, "MaxCount": 10000, "Window": "01:00:00" },
            "Diagnostics": {
              "MetricsEnabled": true,
              "TracingEnabled": true,
              "HealthCheck": { "Interval": "00:00:30", "QueueCapacityThreshold": 0.9, "DeadLetterThreshold": 1 }
            }
          }
        }
        """;

    private static EventBusOptions Bind(string json, params (string Key, string? Value)[] overrides)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
            .Build();
        var services = new ServiceCollection();
        services.Configure<EventBusOptions>(configuration.GetSection(EventBusOptions.SectionName));
        services.AddEventBus();
        return services.BuildServiceProvider().GetRequiredService<IOptions<EventBusOptions>>().Value;
    }

    [Fact]
    public void Bind_SeedConfiguration_MapsOntoOptions()
    {
        var options = Bind(AppSettings);

        options.Resilience.CircuitBreaker.FailureRatio.Should().Be(0.5);
        options.Resilience.CircuitBreaker.MinimumThroughput.Should().Be(10);
        options.Resilience.CircuitBreaker.BreakDuration.Should().Be(TimeSpan.FromSeconds(60));
        options.Resilience.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.Resilience.OperationTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.Resilience.FallbackEnabled.Should().BeTrue();
        options.Resilience.Retry.MaxRetryAttempts.Should().Be(3);
        options.DeadLetters.Capacity.Should().Be(10_000);
        options.Idempotency.Enabled.Should().BeTrue();
        options.Diagnostics.MetricsEnabled.Should().BeTrue();
        options.Diagnostics.HealthCheck.Interval.Should().Be(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Defaults_MatchTheSeedConfiguration()
    {
        var options = new EventBusOptions();

        options.Resilience.Enabled.Should().BeTrue();
        options.Resilience.CircuitBreaker.Enabled.Should().BeTrue();
        options.Resilience.CircuitBreaker.FailureRatio.Should().Be(0.5);
        options.Resilience.CircuitBreaker.MinimumThroughput.Should().Be(10);
        options.Resilience.CircuitBreaker.BreakDuration.Should().Be(TimeSpan.FromSeconds(60));
        options.Resilience.AttemptTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.Resilience.OperationTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.Resilience.FallbackEnabled.Should().BeTrue();
        options.Diagnostics.MetricsEnabled.Should().BeTrue();
        options.Diagnostics.HealthCheck.Interval.Should().Be(TimeSpan.FromSeconds(30));
        options.Idempotency.Enabled.Should().BeFalse();
        options.DeadLetters.Capacity.Should().Be(10_000);
        options.TimeToLive.Should().BeNull();
    }

    [Theory]
    [InlineData("EventBus:Resilience:Retry:MaxRetryAttempts", "-1")]
    [InlineData("EventBus:Resilience:Retry:Delay", "-00:00:01")]
    [InlineData("EventBus:Resilience:Retry:MaxDelay", "00:00:00.100")]
    [InlineData("EventBus:Resilience:AttemptTimeout", "00:00:00")]
    [InlineData("EventBus:Resilience:OperationTimeout", "2.00:00:00")]
    [InlineData("EventBus:Resilience:CircuitBreaker:FailureRatio", "1.5")]
    [InlineData("EventBus:Resilience:CircuitBreaker:MinimumThroughput", "1")]
    [InlineData("EventBus:Resilience:CircuitBreaker:SamplingDuration", "00:00:00.100")]
    [InlineData("EventBus:Resilience:CircuitBreaker:BreakDuration", "00:00:00")]
    [InlineData("EventBus:DeadLetters:Capacity", "0")]
    [InlineData("EventBus:Idempotency:MaxCount", "0")]
    [InlineData("EventBus:Idempotency:Window", "-00:00:01")]
    [InlineData("EventBus:Diagnostics:HealthCheck:Interval", "00:00:00")]
    [InlineData("EventBus:Diagnostics:HealthCheck:QueueCapacityThreshold", "0")]
    [InlineData("EventBus:Diagnostics:HealthCheck:DeadLetterThreshold", "0")]
    [InlineData("EventBus:TimeToLive", "00:00:00")]
    public async Task StartAsync_InvalidSetting_FailsNamingIt(string key, string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(AppSettings)))
            .AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)])
            .Build();

        var act = async () => await BusFixture.StartAsync(services: s =>
            s.Configure<EventBusOptions>(configuration.GetSection(EventBusOptions.SectionName)));

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(key);
    }

    [Fact]
    public async Task StartAsync_IdempotencyWithNoLimit_FailsNamingBothSettings()
    {
        var act = async () => await BusFixture.StartAsync(b => b.AddIdempotency(o =>
        {
            o.MaxCount = null;
            o.Window = null;
        }));

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message
            .Should().Contain("EventBus:Idempotency:MaxCount").And.Contain("EventBus:Idempotency:Window");
    }

    [Fact]
    public async Task Subscribe_InvalidResilienceOverride_ThrowsNamingSubscriptionAndSetting()
    {
        await using var fixture = await BusFixture.StartAsync();

        var act = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions
        {
            Name = "billing",
            ConfigureResilience = r => r.CircuitBreaker.FailureRatio = 0,
        });

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Subscription 'billing': Resilience:CircuitBreaker:FailureRatio must be greater than 0*");
        fixture.Bus.Subscriptions.Should().BeEmpty();
    }

    [Fact]
    public async Task Subscribe_NonPositiveTimeToLive_Throws()
    {
        await using var fixture = await BusFixture.StartAsync();

        var act = () => fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { Name = "x", TimeToLive = TimeSpan.Zero });

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*TimeToLive*");
    }

    [Fact]
    public async Task Subscribe_Override_DoesNotChangeBusDefaults()
    {
        await using var fixture = await BusFixture.StartAsync();

        fixture.Bus.Subscribe<OrderPlaced>(_ => { }, new SubscriptionOptions { ConfigureResilience = r => r.Retry.MaxRetryAttempts = 9 });

        fixture.Provider.GetRequiredService<IOptions<EventBusOptions>>().Value.Resilience.Retry.MaxRetryAttempts.Should().Be(3);
        await fixture.Lifetime.StopAsync(Ct);
    }
}
