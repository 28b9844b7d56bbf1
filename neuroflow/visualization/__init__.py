"""Keras 3's ``keras.visualization``: image, segmentation-mask and bounding-box galleries (matplotlib) and the
array functions that draw masks and boxes into images (NumPy)."""
from .draw import draw_bounding_boxes, draw_segmentation_masks
from .gallery import plot_bounding_box_gallery, plot_image_gallery, plot_segmentation_mask_gallery

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "plot_bounding_box_gallery", "plot_image_gallery",
           "plot_segmentation_mask_gallery"]
