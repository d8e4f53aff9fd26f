// The metric vocabulary shared by every problem, learner and report.
//
// Metrics are named numbers. These names are fixed so that sweeps and reports
// can compare any learner on any problem; a problem or learner may add its own
// figures but must use these names for these meanings.
#pragma once

#include <map>
#include <string>

namespace hardnets {

using Metrics = std::map<std::string, double>;

namespace metric {
inline constexpr const char* kMse = "mse";               // test mean squared error
inline constexpr const char* kNmse = "nmse";             // test MSE / test-label variance
inline constexpr const char* kTrainLoss = "train_loss";  // final training objective (MSE)
inline constexpr const char* kOptLoss = "opt_loss";      // certified optimal training loss
inline constexpr const char* kAccuracy = "accuracy";     // fraction of correct test labels
inline constexpr const char* kUnseenAccuracy = "unseen_accuracy";  // on unseen structure
inline constexpr const char* kSuccess = "success";  // 0/1: problem's recovery criterion
inline constexpr const char* kCosine =
    "cosine";  // <recovered, secret>, unit vectors (|.| if ±secret equivalent)
inline constexpr const char* kSeconds = "seconds";           // wall seconds of the fit
inline constexpr const char* kCpuSeconds = "cpu_seconds";    // CPU seconds of the fit
inline constexpr const char* kPeakMb = "peak_mb";            // peak resident memory, MiB
inline constexpr const char* kSamples = "samples";           // training samples used
inline constexpr const char* kNetDistance = "net_distance";  // teacher-student function distance
}  // namespace metric

}  // namespace hardnets
