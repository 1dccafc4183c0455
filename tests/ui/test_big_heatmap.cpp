// Heatmaps above kTextureCells cells: one texture (one texel per cell, refilled
// only when what it shows changes), a viewport that zooms about the pointer
// and pans, exact hover and click, values only once readable, hatching from
// the pattern texture, and SVG as one embedded image. Driven headless with
// the null texture backend, whose pixels the tests read.
#include <gtest/gtest.h>
#include <imgui.h>
#include <stb_image.h>

#include <cfloat>
#include <cmath>
#include <functional>
#include <string>

#include "app_state.hpp"
#include "headless_ui.hpp"
#include "widgets/colormap.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/heatmap_svg.hpp"
#include "widgets/matrix_editor.hpp"
#include "widgets/texture.hpp"

namespace attnlab {
namespace {

using ui::HeatmapResult;
using ui::HeatmapSpec;

// A bare ImGui context drawing one heatmap in a fixed window.
class MapHarness {
 public:
  MapHarness() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1000, 800);
    io.DeltaTime = 1.0f / 60.0f;
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
    io.KeyMap[ImGuiKey_Space] = 9;
    unsigned char* px;
    int w, h;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  }
  ~MapHarness() { ImGui::DestroyContext(); }

  HeatmapResult Frame(const HeatmapSpec& spec, ImVec2 size = ImVec2(600, 600)) {
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("map", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    last_ = ui::Heatmap("##m", spec, size);
    ImGui::End();
    ImGui::Render();
    return last_;
  }
  // Vertices and draw commands of the window's list, and those with texture `id`.
  int Vertices() const { return ImGui::GetDrawData()->TotalVtxCount; }
  int VerticesWithTexture(ImTextureID id) const {
    int n = 0;
    const ImDrawData* d = ImGui::GetDrawData();
    for (int l = 0; l < d->CmdListsCount; ++l)
      for (const ImDrawCmd& c : d->CmdLists[l]->CmdBuffer)
        if (c.TextureId == id) n += static_cast<int>(c.ElemCount) / 6 * 4;  // quads: 6 indices, 4 vertices
    return n;
  }
  ui::NullTextures textures;
  ui::ScopedTextures use{&textures};
  HeatmapResult last_;
};

double ScrubValueOf(double start, float pixels) { return ui::ScrubValue(start, pixels, false); }

Matrix Ramp(int rows, int cols) {
  Matrix m(rows, cols);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) m(i, j) = std::sin(0.37 * i) * std::cos(0.11 * j);
  return m;
}

AllowedKeys Causal(int n_q, int n_k) {
  AllowedKeys a;
  MaskSpec spec;
  spec.kind = MaskKind::kCausal;
  EXPECT_TRUE(BuildMask(spec, n_q, n_k, &a).ok());
  return a;
}

// The only texture of the map (not the hatch pattern): the one with rows x cols texels.
const std::vector<unsigned char>* MapPixels(const ui::NullTextures& t, int rows, int cols) {
  for (intptr_t id = 1; id < 64; ++id) {
    const auto* px = t.Pixels(reinterpret_cast<ImTextureID>(id));
    if (px && px->size() == static_cast<size_t>(rows) * cols * 4) return px;
  }
  return nullptr;
}

TEST(BigHeatmap, IsOneTextureWithOneTexelPerCellAndFewVertices) {
  MapHarness h;
  const Matrix m = Ramp(100, 120);
  const AllowedKeys allowed = Causal(100, 120);
  HeatmapSpec spec;
  spec.values = &m;
  spec.allowed = &allowed;
  spec.colormap = ui::Colormap::kBlueOrange;
  spec.fixed_range = false;
  spec.revision = 1;
  h.Frame(spec);
  const HeatmapResult r = h.Frame(spec);
  EXPECT_TRUE(r.textured);
  EXPECT_LT(h.Vertices(), 3000) << "a rect per cell would be 48000";
  const std::vector<unsigned char>* px = MapPixels(h.textures, 100, 120);
  ASSERT_NE(px, nullptr);
  for (int i = 0; i < 100; i += 7) {
    for (int j = 0; j < 120; j += 5) {
      const unsigned char* p = &(*px)[(static_cast<size_t>(i) * 120 + j) * 4];
      if (!allowed(i, j)) {
        // The masked tone: the same grey in every channel's neighbourhood, opaque, not a colour of the map.
        EXPECT_EQ(p[3], 255);
        continue;
      }
      const ui::Rgb c = ui::SampleColormap(spec.colormap, ui::Normalize(m(i, j), r.vmin, r.vmax));
      EXPECT_NEAR(p[0], c.r * 255, 2.0) << i << ", " << j;
      EXPECT_NEAR(p[1], c.g * 255, 2.0) << i << ", " << j;
      EXPECT_NEAR(p[2], c.b * 255, 2.0) << i << ", " << j;
    }
  }
  // Masked texels all share one tone, different from the allowed ones next to them.
  const unsigned char* masked = &(*px)[(0 * 120 + 50) * 4];
  const unsigned char* masked2 = &(*px)[(10 * 120 + 90) * 4];
  EXPECT_EQ(std::memcmp(masked, masked2, 4), 0);
}

TEST(BigHeatmap, TheTextureIsRefilledOnlyWhenWhatItShowsChanges) {
  MapHarness h;
  Matrix m = Ramp(80, 80);
  HeatmapSpec spec;
  spec.values = &m;
  spec.revision = 7;
  for (int k = 0; k < 5; ++k) h.Frame(spec);
  EXPECT_EQ(h.textures.uploads(), 1);
  spec.revision = 8;  // an edit
  for (int k = 0; k < 3; ++k) h.Frame(spec);
  EXPECT_EQ(h.textures.uploads(), 2);
  spec.colormap = ui::Colormap::kCividis;  // another colour map
  for (int k = 0; k < 3; ++k) h.Frame(spec);
  EXPECT_EQ(h.textures.uploads(), 3);
  // No revision: the values themselves are the key.
  spec.revision = 0;
  h.Frame(spec);
  h.Frame(spec);
  EXPECT_EQ(h.textures.uploads(), 4);
  m(3, 4) += 1.0;
  h.Frame(spec);
  EXPECT_EQ(h.textures.uploads(), 5);
}

TEST(BigHeatmap, TheWheelZoomsAboutThePointerAndHoverStaysExact) {
  MapHarness h;
  const Matrix m = Ramp(200, 200);
  HeatmapSpec spec;
  spec.values = &m;
  spec.revision = 1;
  h.Frame(spec);
  HeatmapResult r = h.Frame(spec);
  ASSERT_TRUE(r.textured);
  EXPECT_EQ(r.zoom, 1.0f);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(r.grid_min.x + (r.grid_max.x - r.grid_min.x) * 0.3f, r.grid_min.y + (r.grid_max.y - r.grid_min.y) * 0.6f);
  r = h.Frame(spec);
  const int row = r.hovered_row, col = r.hovered_col;
  ASSERT_GE(row, 0);
  io.MouseWheel = 4;
  r = h.Frame(spec);
  io.MouseWheel = 0;
  r = h.Frame(spec);
  EXPECT_NEAR(r.zoom, std::pow(1.25f, 4.0f), 1e-4);
  EXPECT_EQ(r.hovered_row, row);  // the cell under the pointer stays under it
  EXPECT_EQ(r.hovered_col, col);
  EXPECT_GT(r.view_row, 0.0);
  // Every visible cell is hovered exactly at its centre (CellMin inverts the view).
  for (int i : {row - 3, row, row + 5}) {
    for (int j : {col - 4, col, col + 2}) {
      const ImVec2 a = r.CellMin(i, j);
      io.MousePos = ImVec2(a.x + r.cell_w * 0.5f, a.y + r.cell_h * 0.5f);
      const HeatmapResult hr = h.Frame(spec);
      EXPECT_EQ(hr.hovered_row, i);
      EXPECT_EQ(hr.hovered_col, j);
    }
  }
  // Zooming out past 1 stops at the whole map.
  io.MouseWheel = -40;
  h.Frame(spec);
  io.MouseWheel = 0;
  r = h.Frame(spec);
  EXPECT_EQ(r.zoom, 1.0f);
  EXPECT_EQ(r.view_row, 0.0);
  EXPECT_EQ(r.view_col, 0.0);
}

TEST(BigHeatmap, MiddleDragAndSpaceDragPanAndAPanIsNoClick) {
  MapHarness h;
  const Matrix m = Ramp(200, 200);
  HeatmapSpec spec;
  spec.values = &m;
  spec.revision = 1;
  h.Frame(spec);
  HeatmapResult r = h.Frame(spec);
  ImGuiIO& io = ImGui::GetIO();
  const ImVec2 centre((r.grid_min.x + r.grid_max.x) * 0.5f, (r.grid_min.y + r.grid_max.y) * 0.5f);
  io.MousePos = centre;
  io.MouseWheel = 6;
  h.Frame(spec);
  io.MouseWheel = 0;
  r = h.Frame(spec);
  const double col0 = r.view_col, row0 = r.view_row;
  // Middle button: drag left by 30 pixels, up by 20.
  io.MouseDown[2] = true;
  h.Frame(spec);
  io.MousePos = ImVec2(centre.x - 30, centre.y - 20);
  r = h.Frame(spec);
  EXPECT_TRUE(r.panning);
  io.MouseDown[2] = false;
  r = h.Frame(spec);
  EXPECT_NEAR(r.view_col, col0 + 30 / r.cell_w, 1e-3);
  EXPECT_NEAR(r.view_row, row0 + 20 / r.cell_h, 1e-3);
  // Space + left drag pans too, and its release is no click.
  const double col1 = r.view_col;
  io.KeysDown[9] = true;
  io.MouseDown[0] = true;
  r = h.Frame(spec);
  EXPECT_FALSE(r.clicked);
  io.MousePos = ImVec2(io.MousePos.x + 25, io.MousePos.y);
  r = h.Frame(spec);
  io.MouseDown[0] = false;
  r = h.Frame(spec);
  EXPECT_FALSE(r.clicked);
  io.KeysDown[9] = false;
  r = h.Frame(spec);
  EXPECT_NEAR(r.view_col, col1 - 25 / r.cell_w, 1e-3);
  // A plain left click is a click, on the exact cell.
  const ImVec2 a = r.CellMin(r.hovered_row, r.hovered_col);
  io.MousePos = ImVec2(a.x + r.cell_w * 0.5f, a.y + r.cell_h * 0.5f);
  const int want_row = r.hovered_row, want_col = r.hovered_col;
  h.Frame(spec);
  io.MouseDown[0] = true;
  h.Frame(spec);
  io.MouseDown[0] = false;
  r = h.Frame(spec);
  EXPECT_TRUE(r.clicked);
  EXPECT_EQ(r.hovered_row, want_row);
  EXPECT_EQ(r.hovered_col, want_col);
}

TEST(BigHeatmap, ValuesArePrintedOnlyOnceTheZoomMakesThemReadable) {
  MapHarness h;
  const Matrix m = Ramp(300, 300);
  HeatmapSpec spec;
  spec.values = &m;
  spec.revision = 1;
  h.Frame(spec);
  HeatmapResult r = h.Frame(spec);
  EXPECT_EQ(r.values_shown, 0);  // cells under a pixel
  EXPECT_LT(h.Vertices(), 3000);
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2((r.grid_min.x + r.grid_max.x) * 0.5f, (r.grid_min.y + r.grid_max.y) * 0.5f);
  int previous_zoom_values = 0;
  for (int step = 0; step < 40; ++step) {  // zoom in notch by notch
    io.MouseWheel = 1;
    r = h.Frame(spec);
    io.MouseWheel = 0;
    r = h.Frame(spec);
    // Printed exactly when a value's type would be at least 9 pixels.
    const bool readable = std::min(r.cell_w, r.cell_h) * 0.42f >= 9.0f;
    if (!readable) {
      EXPECT_EQ(r.values_shown, 0) << "zoom " << r.zoom;
    }
    if (readable) {
      const float grid_w = r.grid_max.x - r.grid_min.x, grid_h = r.grid_max.y - r.grid_min.y;
      const int visible_cols = static_cast<int>(std::ceil(r.view_col + grid_w / r.cell_w)) - static_cast<int>(r.view_col);
      const int visible_rows = static_cast<int>(std::ceil(r.view_row + grid_h / r.cell_h)) - static_cast<int>(r.view_row);
      // Only visible cells; a long value in a just-readable cell may not fit yet.
      EXPECT_LE(r.values_shown, visible_cols * visible_rows) << "zoom " << r.zoom;
      EXPECT_GT(r.values_shown, visible_cols * visible_rows / 3) << "zoom " << r.zoom;
      previous_zoom_values = visible_cols * visible_rows;
    }
  }
  // At the largest zoom (cells of four font sizes) every visible value fits.
  EXPECT_GE(r.cell, ImGui::GetFontSize() * 3.9f);
  EXPECT_EQ(r.values_shown, previous_zoom_values);
}

TEST(BigHeatmap, HatchingIsOnePatternQuadPerMaskedRunOfAVisibleRow) {
  MapHarness h;
  const int n = 150;
  const Matrix m = Ramp(n, n);
  const AllowedKeys allowed = Causal(n, n);
  HeatmapSpec spec;
  spec.values = &m;
  spec.allowed = &allowed;
  spec.revision = 1;
  h.Frame(spec);
  HeatmapResult r = h.Frame(spec);
  ASSERT_LT(r.cell, 5.0f);
  const ImTextureID pattern = h.textures.HatchPattern();
  EXPECT_EQ(h.VerticesWithTexture(pattern), 0) << "no hatching while cells are tiny";
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2((r.grid_min.x + r.grid_max.x) * 0.5f, (r.grid_min.y + r.grid_max.y) * 0.5f);
  io.MouseWheel = 5;
  h.Frame(spec);
  io.MouseWheel = 0;
  r = h.Frame(spec);
  ASSERT_GE(r.cell, 5.0f);
  // Visible rows whose masked run (keys after the query) reaches into the view.
  const float grid_w = r.grid_max.x - r.grid_min.x, grid_h = r.grid_max.y - r.grid_min.y;
  const int r0 = static_cast<int>(r.view_row), r1 = std::min(n, static_cast<int>(std::ceil(r.view_row + grid_h / r.cell_h)));
  const int c1 = std::min(n, static_cast<int>(std::ceil(r.view_col + grid_w / r.cell_w)));
  int runs = 0;
  for (int i = r0; i < r1; ++i) runs += allowed.End(i) < c1;
  EXPECT_GT(runs, 0);
  EXPECT_EQ(h.VerticesWithTexture(pattern), runs * 4);
}

TEST(BigHeatmap, SvgEmbedsTheMapAsOnePngImageInsteadOfARectPerCell) {
  MapHarness h;
  const Matrix m = Ramp(90, 110);
  const AllowedKeys allowed = Causal(90, 110);
  HeatmapSpec spec;
  spec.values = &m;
  spec.allowed = &allowed;
  spec.fixed_range = false;
  spec.colormap = ui::Colormap::kBlueOrange;
  std::string svg;
  ImGui::NewFrame();
  svg = ui::HeatmapSvg(spec, 4.0f, "scores", "90x110", {});
  ImGui::EndFrame();
  EXPECT_EQ(svg.find("class=\"cell\""), std::string::npos);
  const size_t at = svg.find("<image class=\"map\"");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(svg.find("<image", at + 1), std::string::npos);
  EXPECT_NE(svg.find("class=\"masked\""), std::string::npos);
  // Decode the embedded PNG: 110 x 90, one pixel per cell, the map's colours.
  const std::string tag = "base64,";
  const size_t from = svg.find(tag, at) + tag.size(), to = svg.find('"', from);
  const std::string b64 = svg.substr(from, to - from);
  std::string bytes;
  int bits = 0;
  unsigned acc = 0;
  for (char ch : b64) {
    const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(digits, ch);
    if (ch == '=' || !p) break;
    acc = ((acc << 6) | static_cast<unsigned>(p - digits)) & 0xFFFFFFu;  // 24 bits hold every pending byte
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 255);
    }
  }
  int w = 0, hgt = 0, channels = 0;
  unsigned char* px = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(bytes.data()),
                                            static_cast<int>(bytes.size()), &w, &hgt, &channels, 3);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(w, 110);
  EXPECT_EQ(hgt, 90);
  double vmin, vmax;
  ui::HeatmapRange(spec, &vmin, &vmax);
  for (int i = 0; i < 90; i += 11) {
    for (int j = 0; j <= i && j < 110; j += 13) {
      const ui::Rgb c = ui::SampleColormap(spec.colormap, ui::Normalize(m(i, j), vmin, vmax));
      const unsigned char* p = px + (static_cast<size_t>(i) * 110 + j) * 3;
      EXPECT_NEAR(p[0], c.r * 255, 1.0);
      EXPECT_NEAR(p[1], c.g * 255, 1.0);
      EXPECT_NEAR(p[2], c.b * 255, 1.0);
    }
  }
  stbi_image_free(px);
  EXPECT_LT(svg.size(), 60000u);
}

// ---------------------------------------------------------------------------
// In the window: a 100-token scenario, whose P (10 000 cells) is a texture.

ui::AppState HundredTokens() {
  ui::AppState s;
  Scenario& sc = s.scenario;
  for (int v = 0; v < 16; ++v) sc.vocab.push_back("t" + std::to_string(v));
  for (int p = 0; p < 100; ++p) sc.tokens.push_back(sc.vocab[(p * 5 + p / 16) % 16]);
  sc.E = Matrix(16, 8);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) sc.E(i, j) = std::sin(i * 1.3 + j);
  sc.attention.mask.kind = MaskKind::kCausal;
  s.MarkDirty();
  return s;
}

TEST(BigHeatmapInTheWindow, ClickingACellOfABigPMasksExactlyThatCell) {
  ui::AppState s = HundredTokens();
  testing::HeadlessUi ui(s);
  ASSERT_TRUE(ui.Has("panel.P"));
  const ui::ItemRect grid = s.ui.items.at("panel.P");
  const float cw = (grid.max.x - grid.min.x) / 100, ch = (grid.max.y - grid.min.y) / 100;
  ui.Click(ImVec2(grid.min.x + cw * (41 + 0.5f), grid.min.y + ch * (57 + 0.5f)));  // row 57, key 41
  ASSERT_EQ(s.scenario.attention.mask.kind, MaskKind::kCustom);
  const Mask& custom = s.scenario.attention.mask.custom;
  for (int i = 0; i < 100; ++i)
    for (int j = 0; j < 100; ++j) ASSERT_EQ(custom(i, j), j <= i && !(i == 57 && j == 41)) << i << ", " << j;
  EXPECT_EQ(s.derived.Weights()(57, 41), 0.0);
  EXPECT_GT(s.derived.Weights()(57, 40), 0.0);
}

TEST(BigHeatmapInTheWindow, FramesWithoutAnEditFillNoTexture) {
  ui::AppState s = HundredTokens();
  testing::HeadlessUi ui(s);
  const int after_open = ui.Textures().uploads();
  EXPECT_GT(after_open, 0);
  for (int k = 0; k < 10; ++k) ui.Frame();
  EXPECT_EQ(ui.Textures().uploads(), after_open);
  s.Edit().attention.temperature = 0.5;  // an edit: P changes
  ui.Frame();
  EXPECT_GT(ui.Textures().uploads(), after_open);
}

// Q, K, V given (unfolded): Q of 100 x 48 = 4800 cells is a textured input.
TEST(BigHeatmapInTheWindow, DraggingACellOfABigInputScrubsItAndSpaceDragPansInstead) {
  ui::AppState s;
  s.scenario.input = InputMode::kQKV;
  s.scenario.Q = Ramp(100, 48);
  s.scenario.K = Ramp(100, 48);
  s.scenario.V = Ramp(100, 4);
  s.scenario.unembedding = Unembedding::kNone;
  s.MarkDirty();
  testing::HeadlessUi ui(s);
  ImGui::GetIO().KeyMap[ImGuiKey_Space] = 9;
  ASSERT_TRUE(ui.Has("panel.Q"));
  const ui::ItemRect grid = s.ui.items.at("panel.Q");
  const float cw = (grid.max.x - grid.min.x) / 48, ch = (grid.max.y - grid.min.y) / 100;
  const ImVec2 at(grid.min.x + cw * 3.5f, grid.min.y + ch * 2.5f);  // Q[2][3]
  const double before = s.scenario.Q(2, 3);
  ImGuiIO& io = ImGui::GetIO();
  auto drag = [&](float dx) {
    io.MousePos = at;
    ui.Frame();
    io.MouseDown[0] = true;
    ui.Frame();
    for (int step = 1; step <= 5; ++step) {
      io.MousePos = ImVec2(at.x + dx / 5 * step, at.y);
      ui.Frame();
    }
    io.MouseDown[0] = false;
    ui.Frame();
    ui.Frame();
  };
  drag(40.0f);
  EXPECT_NEAR(s.scenario.Q(2, 3), ScrubValueOf(before, 40.0f), 1e-12);
  EXPECT_FALSE(s.ui.editors["Q"].Editing());  // a drag is not a click
  // With Space held the same drag pans the (zoomed) view: no value changes.
  io.MousePos = at;
  io.MouseWheel = 3;
  ui.Frame();
  io.MouseWheel = 0;
  ui.Frame();
  const Matrix q = s.scenario.Q;
  io.KeysDown[9] = true;
  drag(40.0f);
  io.KeysDown[9] = false;
  ui.Frame();
  EXPECT_TRUE((s.scenario.Q.array() == q.array()).all());
  EXPECT_FALSE(s.ui.editors["Q"].Editing());
}

}  // namespace
}  // namespace attnlab
