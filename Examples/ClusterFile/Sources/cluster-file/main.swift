// cluster-file EMBEDDINGS.f32 DIM [THRESHOLD]: greedy first-match clustering of a float32 file,
// one line per cluster: its members' row numbers, seed first.
import Clustering
import Foundation
import Kernels

let arguments = CommandLine.arguments
guard (3...4).contains(arguments.count), let dimension = Int(arguments[2]),
      let threshold = arguments.count == 4 ? Double(arguments[3]) : 0.82 else {
    FileHandle.standardError.write(Data("usage: cluster-file EMBEDDINGS.f32 DIM [THRESHOLD]\n".utf8))
    exit(64)
}
do {
    let matrix = try EmbeddingMatrix(contentsOfFile: arguments[1], dimension: dimension)
    for members in try GreedyClustering(threshold: threshold).cluster(matrix).clusters {
        print(members.map(String.init).joined(separator: " "))
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
