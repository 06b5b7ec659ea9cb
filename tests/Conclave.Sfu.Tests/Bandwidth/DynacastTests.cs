using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>Wanted layers per producer, aggregated over every subscriber's allocator.</summary>
public class DynacastTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void Producer_nobody_consumes_wants_nothing()
    {
        Assert.Equal(0u, Layers.Camera().WantedLayers);
    }

    [Fact]
    public void Wanted_layers_follow_every_subscriber_cap_and_pause()
    {
        var camera = Layers.Camera();
        var alice = new BandwidthAllocator(_clock);
        var bob = new BandwidthAllocator(_clock);
        var aliceView = alice.AddVideoConsumer(camera, isScreenShare: false);
        var bobView = bob.AddVideoConsumer(camera, isScreenShare: false);
        Assert.Equal(0b111u, camera.WantedLayers);

        aliceView.SetMaxResolution(640, 360);
        bobView.SetMaxResolution(640, 360);
        Assert.Equal(0b011u, camera.WantedLayers);                       // nobody can take 720p: pause it
        bobView.SetPaused(true);
        Assert.Equal(0b011u, camera.WantedLayers);
        aliceView.SetMaxResolution(320, 180);
        Assert.Equal(0b001u, camera.WantedLayers);
        aliceView.SetPaused(true);
        Assert.Equal(0u, camera.WantedLayers);                           // nobody watches
        bobView.SetPaused(false);
        Assert.Equal(0b011u, camera.WantedLayers);
        Assert.True(bob.RemoveVideoConsumer(bobView));
        Assert.Equal(0u, camera.WantedLayers);
        aliceView.SetPaused(false);
        Assert.Equal(0b001u, camera.WantedLayers);
    }

    [Fact]
    public void Layers_are_wanted_by_what_subscribers_could_take_not_by_what_fits_their_budget()
    {
        var camera = Layers.Camera();
        var allocator = new BandwidthAllocator(_clock);
        var consumer = allocator.AddVideoConsumer(camera, isScreenShare: false);
        allocator.Allocate(200_000, _clock.At(0));
        Assert.Equal(0, consumer.TargetLayer);
        Assert.Equal(0b111u, camera.WantedLayers);                       // so 720p can be allocated when the budget grows
    }

    [Fact]
    public void Layer_paused_at_the_publisher_stays_wanted_so_it_can_resume()
    {
        var camera = Layers.Camera();
        camera.SetLayer(2, new VideoLayer(1280, 720, 0, Active: false));
        var allocator = new BandwidthAllocator(_clock);
        var consumer = allocator.AddVideoConsumer(camera, isScreenShare: false);
        allocator.Allocate(20_000_000, _clock.At(0));
        Assert.Equal(1, consumer.TargetLayer);
        Assert.Equal(0b111u, camera.WantedLayers);
    }

    [Fact]
    public void Cap_below_every_layer_wants_the_lowest()
    {
        var camera = Layers.Camera();
        var consumer = new BandwidthAllocator(_clock).AddVideoConsumer(camera, isScreenShare: false);
        consumer.SetMaxResolution(160, 90);
        Assert.Equal(1u, camera.WantedLayers);
    }

    [Fact]
    public void Layer_sizes_learned_later_are_counted_at_the_next_allocation()
    {
        var camera = new ProducerLayers(3);                              // sizes not known yet: every layer fits any cap
        var allocator = new BandwidthAllocator(_clock);
        var consumer = allocator.AddVideoConsumer(camera, isScreenShare: false);
        consumer.SetMaxResolution(640, 360);
        Assert.Equal(0b111u, camera.WantedLayers);
        var known = Layers.Camera();
        for (int i = 0; i < known.Count; i++) camera.SetLayer(i, known[i]);
        allocator.Allocate(1_000_000, _clock.At(0));
        Assert.Equal(0b011u, camera.WantedLayers);
    }

    [Fact]
    public void Each_producer_keeps_its_own_set()
    {
        var camera = Layers.Camera();
        var screen = Layers.ScreenShare();
        var allocator = new BandwidthAllocator(_clock);
        var cameraView = allocator.AddVideoConsumer(camera, isScreenShare: false);
        allocator.AddVideoConsumer(screen, isScreenShare: true);
        cameraView.SetPaused(true);
        Assert.Equal(0u, camera.WantedLayers);
        Assert.Equal(0b11u, screen.WantedLayers);
    }
}
