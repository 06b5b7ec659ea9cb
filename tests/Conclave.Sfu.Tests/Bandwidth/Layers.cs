using Conclave.Sfu.Bandwidth;

namespace Conclave.Sfu.Tests.Bandwidth;

/// <summary>Producers as a browser publishes them.</summary>
internal static class Layers
{
    /// <summary>A camera in three simulcast layers: 180p at 150 kbit/s, 360p at 500 kbit/s, 720p at 1.5 Mbit/s.</summary>
    public static ProducerLayers Camera()
    {
        var camera = new ProducerLayers(3);
        camera.SetLayer(0, new VideoLayer(320, 180, 150_000, Active: true));
        camera.SetLayer(1, new VideoLayer(640, 360, 500_000, Active: true));
        camera.SetLayer(2, new VideoLayer(1280, 720, 1_500_000, Active: true));
        return camera;
    }

    /// <summary>A screen share in two layers: 540p at 400 kbit/s, 1080p at 1.2 Mbit/s.</summary>
    public static ProducerLayers ScreenShare()
    {
        var screen = new ProducerLayers(2);
        screen.SetLayer(0, new VideoLayer(960, 540, 400_000, Active: true));
        screen.SetLayer(1, new VideoLayer(1920, 1080, 1_200_000, Active: true));
        return screen;
    }
}
