// The training library in one import, as `from fastai.vision.all import *` is for fastai:
// `import KhruAll` gives a Swift program (and the compiled lesson code) tensors, training, plots,
// vision and collaborative filtering.
@_exported import Collab
@_exported import Downloads
// What cells use from Foundation without an import (`exp`, `log`, `sqrt`, `String(format:)`), so the
// compiled lesson code reads as the cell does.
@_exported import Foundation
@_exported import Plotting
@_exported import TensorCore
@_exported import Training
@_exported import Vision
