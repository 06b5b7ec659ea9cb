using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

public class BandwidthAllocatorTests
{
    private const int None = LayerSelector.NoLayer;
    private readonly ManualClock _clock = new();
    private readonly BandwidthAllocator _allocator;

    public BandwidthAllocatorTests() => _allocator = new BandwidthAllocator(_clock);

    // With the default 20 % margin a first choice needs 180, 600 or 1,800 kbit/s; audio takes 64 kbit/s each first.
    public static TheoryData<string, long, int, int> Budgets => new()
    {
        { "nothing fits: the lowest",    150_000, 0, 0 },
        { "lowest with margin",           180_000, 0, 0 },
        { "just short of 360p",           599_999, 0, 0 },
        { "360p",                         600_000, 0, 1 },
        { "just short of 720p",         1_799_999, 0, 1 },
        { "720p",                       1_800_000, 0, 2 },
        { "plenty",                    20_000_000, 0, 2 },
        { "two audio consumers first",  1_800_000, 2, 1 },
        { "audio leaves nothing: lowest",  100_000, 2, 0 },
    };

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Estimator_choice_is_the_highest_layer_that_fits(string name, long estimate, int audioConsumers, int expected)
    {
        Assert.NotEmpty(name);
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        _allocator.AudioConsumerCount = audioConsumers;
        _allocator.Allocate(estimate, _clock.At(0));
        Assert.Equal(expected, consumer.TargetLayer);
        // Over the estimate only by the floor: the audio reserve and the lowest layer.
        Assert.True(_allocator.AllocatedBitrate <= Math.Max(estimate, audioConsumers * 64_000L + Layers.Camera()[0].Bitrate));
    }

    public static TheoryData<string, int, int, int> Caps => new()
    {
        { "uncapped",                    int.MaxValue, int.MaxValue, 2 },
        { "exactly 720p",                1280, 720, 2 },
        { "360p",                        640, 360, 1 },
        { "a pixel short of 360p",       640, 359, 0 },
        { "the width alone caps",        639, 10_000, 0 },
        { "smaller than the lowest",     160, 90, 0 },
    };

    [Theory]
    [MemberData(nameof(Caps))]
    public void Cap_limits_the_choice_whatever_the_budget(string name, int maxWidth, int maxHeight, int expected)
    {
        Assert.NotEmpty(name);
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        consumer.SetMaxResolution(maxWidth, maxHeight);
        _allocator.Allocate(20_000_000, _clock.At(0));
        Assert.Equal(expected, consumer.TargetLayer);
    }

    [Fact]
    public void Paused_consumer_gets_no_layer_and_resumes_at_once()
    {
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        Assert.Equal(1, _allocator.Allocate(20_000_000, _clock.At(0)));
        consumer.SetPaused(true);
        Assert.Equal(1, _allocator.Allocate(20_000_000, _clock.At(100)));
        Assert.Equal(None, consumer.TargetLayer);
        Assert.Equal(0, _allocator.AllocatedBitrate);
        consumer.SetPaused(false);
        Assert.Equal(1, _allocator.Allocate(20_000_000, _clock.At(200)));   // no hold from no layer
        Assert.Equal(2, consumer.TargetLayer);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Screen_share_is_served_before_cameras(bool cameraAddedFirst)
    {
        LayerSelector camera, screen;
        if (cameraAddedFirst)
        {
            camera = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
            screen = _allocator.AddVideoConsumer(Layers.ScreenShare(), isScreenShare: true);
        }
        else
        {
            screen = _allocator.AddVideoConsumer(Layers.ScreenShare(), isScreenShare: true);
            camera = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        }
        // 1080p share costs 1.44 Mbit/s with margin; of the 560 kbit/s left the camera can take 180p, not 360p.
        _allocator.Allocate(2_000_000, _clock.At(0));
        Assert.Equal(1, screen.TargetLayer);
        Assert.Equal(0, camera.TargetLayer);
        Assert.Equal(1_350_000, _allocator.AllocatedBitrate);
    }

    public static TheoryData<string, long, int[]> SharedBudgets => new()
    {
        { "all get the lowest anyway",   500_000, [0, 0, 0] },
        { "all get the lowest first",    700_000, [0, 0, 0] },
        { "then one steps up",         1_000_000, [1, 0, 0] },
        { "then the next",             1_400_000, [1, 1, 0] },
        { "all at 360p",               1_800_000, [1, 1, 1] },
    };

    [Theory]
    [MemberData(nameof(SharedBudgets))]
    public void Cameras_share_the_budget_one_step_at_a_time(string name, long estimate, int[] expected)
    {
        Assert.NotEmpty(name);
        var cameras = new[]
        {
            _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false),
            _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false),
            _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false),
        };
        _allocator.Allocate(estimate, _clock.At(0));
        Assert.Equal(expected, Array.ConvertAll(cameras, c => c.TargetLayer));
        Assert.True(_allocator.AllocatedBitrate <= Math.Max(estimate, 3 * Layers.Camera()[0].Bitrate));
    }

    [Fact]
    public void Upgrade_waits_for_the_hold_time_and_downgrade_is_immediate()
    {
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        Assert.Equal(1, _allocator.Allocate(1_000_000, _clock.At(0)));      // first choice: at once
        Assert.Equal(1, consumer.TargetLayer);

        Assert.Equal(0, _allocator.Allocate(2_000_000, _clock.At(500)));    // 720p fits with margin from now on
        Assert.Equal(0, _allocator.Allocate(2_000_000, _clock.At(1_500)));
        Assert.Equal(0, _allocator.Allocate(2_000_000, _clock.At(2_499)));
        Assert.Equal(1, consumer.TargetLayer);
        Assert.Equal(1, _allocator.Allocate(2_000_000, _clock.At(2_500)));  // held for 2 s
        Assert.Equal(2, consumer.TargetLayer);

        _allocator.Allocate(1_600_000, _clock.At(3_000));                   // below the margin but 720p still fits: keep it
        Assert.Equal(2, consumer.TargetLayer);
        Assert.Equal(1, _allocator.Allocate(1_400_000, _clock.At(3_100)));  // over budget: down at once
        Assert.Equal(1, consumer.TargetLayer);
    }

    [Fact]
    public void Dip_below_the_margin_restarts_the_hold()
    {
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        _allocator.Allocate(1_000_000, _clock.At(0));
        _allocator.Allocate(2_000_000, _clock.At(500));
        _allocator.Allocate(1_700_000, _clock.At(1_000));                   // 720p no longer fits with margin
        _allocator.Allocate(2_000_000, _clock.At(1_500));
        _allocator.Allocate(2_000_000, _clock.At(2_500));
        Assert.Equal(1, consumer.TargetLayer);
        _allocator.Allocate(2_000_000, _clock.At(3_499));
        Assert.Equal(1, consumer.TargetLayer);
        _allocator.Allocate(2_000_000, _clock.At(3_500));
        Assert.Equal(2, consumer.TargetLayer);
    }

    [Fact]
    public void Without_the_margin_there_is_no_upgrade()
    {
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        for (int ms = 0; ms <= 60_000; ms += 500) _allocator.Allocate(ms == 0 ? 1_000_000 : 1_700_000, _clock.At(ms));
        Assert.Equal(1, consumer.TargetLayer);
    }

    [Fact]
    public void Hold_and_margin_are_configurable()
    {
        var allocator = new BandwidthAllocator(_clock, new BandwidthAllocatorOptions { UpgradeMargin = 0, UpgradeHold = TimeSpan.Zero, AudioBitrate = 0 });
        var consumer = allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        allocator.AudioConsumerCount = 3;
        allocator.Allocate(500_000, _clock.At(0));
        Assert.Equal(1, consumer.TargetLayer);
        allocator.Allocate(1_500_000, _clock.At(1));
        Assert.Equal(2, consumer.TargetLayer);
    }

    [Fact]
    public void Inactive_and_unmeasured_layers_are_skipped()
    {
        var camera = Layers.Camera();
        var consumer = _allocator.AddVideoConsumer(camera, isScreenShare: false);
        camera.SetLayer(1, camera[1] with { Active = false });
        _allocator.Allocate(1_000_000, _clock.At(0));
        Assert.Equal(0, consumer.TargetLayer);
        camera.SetLayer(1, camera[1] with { Active = true });
        camera.SetLayer(2, camera[2] with { Bitrate = 0 });                // active but nothing measured yet
        _allocator.Allocate(20_000_000, _clock.At(5_000));
        _allocator.Allocate(20_000_000, _clock.At(7_000));                  // after the hold, up to 360p and no further
        Assert.Equal(1, consumer.TargetLayer);
    }

    [Fact]
    public void Target_that_stops_being_allowed_is_left_at_once_either_way()
    {
        var camera = Layers.Camera();
        var consumer = _allocator.AddVideoConsumer(camera, isScreenShare: false);
        _allocator.Allocate(1_000_000, _clock.At(0));
        Assert.Equal(1, consumer.TargetLayer);
        camera.SetLayer(1, camera[1] with { Active = false });
        _allocator.Allocate(20_000_000, _clock.At(100));                    // up without the hold: 360p is gone
        Assert.Equal(2, consumer.TargetLayer);
        consumer.SetMaxResolution(640, 360);
        _allocator.Allocate(20_000_000, _clock.At(200));                    // capped to 360p, which is inactive
        Assert.Equal(0, consumer.TargetLayer);
    }

    [Fact]
    public void Removed_consumer_is_no_longer_allocated()
    {
        var first = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        var second = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        _allocator.Allocate(1_000_000, _clock.At(0));
        Assert.Equal(new[] { 1, 0 }, new[] { first.TargetLayer, second.TargetLayer });
        Assert.True(_allocator.RemoveVideoConsumer(first));
        Assert.False(_allocator.RemoveVideoConsumer(first));
        Assert.Equal(None, first.TargetLayer);
        Assert.Throws<ObjectDisposedException>(() => first.SetPaused(true));
        _allocator.Allocate(1_000_000, _clock.At(100));                     // from 180p: up needs the hold
        _allocator.Allocate(1_000_000, _clock.At(2_100));
        Assert.Equal(1, second.TargetLayer);
    }

    [Fact]
    public void Bad_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthAllocator(_clock, new BandwidthAllocatorOptions { UpgradeMargin = -0.1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BandwidthAllocator(_clock, new BandwidthAllocatorOptions { UpgradeHold = TimeSpan.FromSeconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _allocator.AudioConsumerCount = -1);
        var consumer = _allocator.AddVideoConsumer(Layers.Camera(), isScreenShare: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => consumer.SetMaxResolution(-1, 720));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerLayers(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProducerLayers(ProducerLayers.MaxLayerCount + 1));
    }
}
