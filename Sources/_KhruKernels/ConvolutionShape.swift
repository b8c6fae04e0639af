/// The sizes of one 2-D convolution: input `[batch, channels, height, width]`, weight
/// `[outChannels, channels, kernelHeight, kernelWidth]`, output `[batch, outChannels, outHeight, outWidth]`.
public struct ConvolutionShape: Sendable, Equatable {
    public let batch: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    public let outChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Int
    public let outHeight: Int
    public let outWidth: Int

    /// Creates a shape; the caller has validated that the output is at least 1×1.
    public init(
        batch: Int, channels: Int, height: Int, width: Int, outChannels: Int, kernelHeight: Int,
        kernelWidth: Int, stride: Int, padding: Int
    ) {
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        outHeight = (height + 2 * padding - kernelHeight) / stride + 1
        outWidth = (width + 2 * padding - kernelWidth) / stride + 1
    }

    /// Rows of the column matrix: `channels·kernelHeight·kernelWidth`.
    public var patch: Int { channels * kernelHeight * kernelWidth }
    /// Output positions per image.
    public var positions: Int { outHeight * outWidth }
    /// Columns of the batched column matrix: `batch·positions`.
    public var columns: Int { batch * positions }
}
