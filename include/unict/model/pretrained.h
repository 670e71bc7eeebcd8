// Loading torchvision ResNet weights into resnet2p5d's 2D trunk. The weights come from
// scripts/export_torchvision_resnet.py as an .npz of float32 arrays under torchvision's names
// ("layer1.0.conv1.weight"); the name map below says where each goes in our trunk.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace unict::model {

class ResNet2dImpl;

// (torchvision name, our trunk name) for every tensor of the trunk of a ResNet of this depth:
// parameters and batch-norm running statistics; the classifier (fc) is not part of the trunk.
std::vector<std::pair<std::string, std::string>> torchvision_resnet_name_map(std::int64_t depth);

// Copies every mapped tensor into `trunk`. A missing or mis-shaped tensor is an Error naming the
// file, the tensor and the expected shape; tensors the map does not know (fc.*,
// num_batches_tracked) are ignored.
void load_torchvision_resnet(ResNet2dImpl& trunk, std::int64_t depth, const std::filesystem::path& file);

}  // namespace unict::model
